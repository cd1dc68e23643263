"""How one worker process uses its CPU: the PDF render processes beside it and Python's
garbage collector. Part of ``Settings`` (prefix ``SAFEYARD_``)."""

from pydantic import BaseModel, Field


class ProcessSettings(BaseModel):
    """Mixed into ``app.platform.config.Settings``."""

    report_renders: int = Field(
        default=1,
        ge=1,
        description="PDF reports one worker renders at once (rendering holds the GIL: more "
        "would not finish sooner; run one worker per core); staff requests waiting for a "
        "turn go before anonymous ones.",
    )
    report_processes: int = Field(
        default=1,
        ge=0,
        description="Separate processes one worker renders PDF reports in, at a lower "
        "priority (SAFEYARD_REPORT_NICE), so a render never takes the CPU that answers "
        "checklists; 0 renders in the web process's threads.",
    )
    report_warm_up: bool = Field(
        default=True,
        description="Start the render process with the service and load its fonts and "
        "templates while idle, so the first report after a start is not a cold one.",
    )
    gc_freeze: bool = Field(
        default=True,
        description="Once started, move every object alive (the app, the checklists, the "
        "area index) out of the cyclic collector's full passes: each pass walked them all "
        "and stalled every request for ~0.2 s under ingest (docs/PERFORMANCE.md).",
    )
    report_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the render processes' priority is (Unix nice, 0-19).",
    )
