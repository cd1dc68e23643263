"""Pure scoring: a checklist and answers in, an explainable risk index out.

Imports nothing from the web, the database or the rest of the app (an import-linter contract in
pyproject.toml keeps it so); the checklist and its weights arrive as arguments.
"""

from app.scoring.area_estimates import (
    AreaEstimate,
    AreaModel,
    AreaSample,
    estimate_areas,
    exceed_probability,
)
from app.scoring.areas import (
    ClusterTest,
    Flag,
    FlagRules,
    area_flags,
    assess_areas,
    benjamini_hochberg,
    cluster_tests,
    disagreement,
    getis_ord_gi_star,
)
from app.scoring.combine import combine_answers
from app.scoring.engine import (
    BAND_CUTOFFS,
    BANDS,
    CRITICAL_FLOOR,
    Band,
    Factor,
    FixStep,
    ScoreResult,
    SectionScore,
    band_for,
    publish,
    score_answers,
)
from app.scoring.model import (
    NOT_APPLICABLE,
    SCORING_VERSION,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
)

__all__ = [
    "assess_areas",
    "AreaEstimate",
    "AreaModel",
    "AreaSample",
    "ClusterTest",
    "benjamini_hochberg",
    "cluster_tests",
    "estimate_areas",
    "exceed_probability",
    "BANDS",
    "BAND_CUTOFFS",
    "CRITICAL_FLOOR",
    "NOT_APPLICABLE",
    "SCORING_VERSION",
    "Band",
    "Factor",
    "Flag",
    "FlagRules",
    "FixStep",
    "ScoreResult",
    "ScoringChecklist",
    "ScoringItem",
    "ScoringOption",
    "SectionScore",
    "area_flags",
    "band_for",
    "combine_answers",
    "disagreement",
    "getis_ord_gi_star",
    "publish",
    "score_answers",
]
