"""Settings, read from the environment (prefix ``SAFEYARD_``) or a ``.env`` file.

Every field is documented here and in the README; a test keeps the two in step.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.platform.notification_settings import NotificationSettings
from app.platform.process_settings import ProcessSettings
from app.platform.telegram_settings import TelegramSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# The notification settings (SMTP, the sender, digests) and the Telegram bot's live in their
# own modules.
class Settings(BaseSettings, NotificationSettings, TelegramSettings, ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="SAFEYARD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/safeyard.db",
        description="SQLAlchemy URL. SQLite (WAL) by default; "
        "postgresql+psycopg://user@host/db in production.",
    )
    database_lock_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a write waits for a lock held by another connection or process "
        "(SQLite busy timeout, PostgreSQL lock_timeout) before it is answered 503 with "
        "Retry-After.",
    )
    database_max_waiting_writers: int = Field(
        default=32,
        ge=1,
        le=1000,
        description="How many writers of one worker may be in line at once (writing or "
        "waiting for their turn); more are answered 503 with Retry-After at once. Each holds "
        "one of the 40 threads of the worker's pool: keep it below 40 so reads and /healthz "
        "always find one while a lock held elsewhere keeps the writers waiting.",
    )
    data_dir: Path = Field(
        default=Path("./var"),
        description="Where the service keeps its files (SQLite database, later photos, reports).",
    )
    checklist_dir: Path = Field(
        default=PROJECT_ROOT / "app" / "checklists" / "data",
        description="Folder of checklist version files (*.yaml); the highest version is current.",
    )
    yard_match_radius_m: float = Field(
        default=30.0,
        description="A submission with a location but no yard_id joins the nearest yard "
        "within this many metres; otherwise a new yard is created.",
    )
    yard_near_radius_m: float = Field(
        default=50.0,
        description="Radius of GET /api/v1/yards?near=lat,lon.",
    )
    gap_snap_m: float = Field(
        default=200.0,
        description="A point in a gap between area polygons goes to the nearest one within "
        "this many metres; further away it is outside the city.",
    )
    current_risk_window_days: int = Field(
        default=180,
        description="A yard's current risk is built from submissions of this many past days.",
    )
    disagreement_points: float = Field(
        default=25.0,
        ge=0,
        description="A yard is flagged when the residents' median index and the inspector's "
        "index differ by at least this many points.",
    )
    finding_risk: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="An item fails at a yard (a finding) when its risk in the yard's current "
        "answers is at least this (0..1; 0.5: the answer halfway between safe and worst).",
    )
    finding_resident_checks: int = Field(
        default=3,
        ge=1,
        description="Residents' checks finding an item passing, after its fix was reported, "
        "that verify the fix without an inspector audit (and more of them than failing).",
    )
    finding_deadline_days: int = Field(
        default=30,
        ge=1,
        description="Days a body has to fix a finding when neither the body nor the item sets "
        "its own (bodies' files do).",
    )
    problem_area_risk: float = Field(
        default=50.0,
        description="The line an area's true mean risk must reach for it to be a problem area.",
    )
    problem_area_probability: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="An area is a problem area when the probability that its true mean risk "
        "is at or above the line is at least this.",
    )
    area_unsure_probability: float = Field(
        default=0.2,
        gt=0,
        lt=1,
        description="Between this probability and the problem-area one, the data cannot "
        "tell: the area is flagged 'needs more audits'.",
    )
    area_min_audited: int = Field(
        default=3,
        ge=1,
        description="An area with fewer audited yards is flagged 'not enough data' "
        "(and never a problem area or a cluster).",
    )
    area_min_district_areas: int = Field(
        default=5,
        ge=1,
        description="Areas with data a district needs for its own mean to be the prior of "
        "its areas' estimates; with fewer, the city's mean is.",
    )
    cluster_fdr: float = Field(
        default=0.10,
        gt=0,
        lt=1,
        description="Clusters of poor conditions (Getis-Ord Gi*): the false discovery rate "
        "(Benjamini-Hochberg) over the areas tested.",
    )
    cluster_min_neighbours: int = Field(
        default=2,
        ge=1,
        description="An area is tested for a cluster only with at least this many "
        "neighbouring areas with data.",
    )
    area_stale_days: int = Field(
        default=90, ge=1, description="An area with no submission for this many days is stale."
    )
    max_body_bytes: int = Field(
        default=256 * 1024,
        description="Largest accepted JSON request body.",
    )
    photo_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="Largest accepted photo upload; larger ones are refused (413).",
    )
    photo_max_pixels: int = Field(
        default=40_000_000,
        gt=0,
        description="Photos with more pixels are refused (422), checked before decoding: "
        "a small file cannot unpack to gigabytes (a decompression bomb).",
    )
    photo_max_side_px: int = Field(
        default=1600, gt=0, description="Longest side of a stored photo, in pixels."
    )
    photo_thumb_side_px: int = Field(
        default=320, gt=0, description="Longest side of a photo's thumbnail, in pixels."
    )
    photo_max_per_submission: int = Field(
        default=60, gt=0, description="How many photos one submission may have."
    )
    photo_upload_window_h: float = Field(
        default=72,
        gt=0,
        description="Hours after a checklist is stored during which its sender may add photos "
        "(with the photo_upload_token of the submission's answer); later uploads get 403.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies and form tokens. Unset: a random key is made and "
        "kept in data_dir/secret_key on first start.",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie over https only (set true behind https).",
    )
    login_max_failures: int = Field(
        default=5,
        gt=0,
        description="Failed logins per account and address within login_lockout_minutes "
        "before login is refused for that long.",
    )
    login_lockout_minutes: int = Field(
        default=15, gt=0, description="The window and length of a login lock-out, in minutes."
    )
    require_totp: bool = Field(
        default=True,
        description="Admins and inspectors must pass a second factor (a TOTP code from an "
        "authenticator app) after their password, enrolling at their first login. Set false "
        "only on a development install.",
    )
    map_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Background map tiles of the inspectors' map (Leaflet URL template). "
        "Without a reachable tile server the areas still show on a plain background.",
    )
    map_tile_attribution: str = Field(
        default="© OpenStreetMap contributors",
        description="The credit the tile server asks for, shown on the map.",
    )
    public_map_tile_url: str | None = Field(
        default=None,
        description="A tile server for the residents' maps (/map, /yard/find), as a Leaflet "
        "URL template. Unset: they draw SafeYard's own base layer (district borders and "
        "streets) and ask no tile server: OpenStreetMap's tile policy is not for public "
        "traffic.",
    )
    public_map_tile_attribution: str = Field(
        default="© OpenStreetMap contributors",
        description="The credit public_map_tile_url's server asks for, shown on the map.",
    )
    log_level: str = Field(default="info", description="Log level of the service.")
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Log lines as JSON objects (production, for a log collector) or plain "
        "text (reading a terminal in development). Query strings are never logged.",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token that may read /metrics. Unset: only clients on the same "
        "machine (loopback) may read it.",
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="development or production. In production the service refuses to start "
        "without SAFEYARD_PUBLIC_BASE_URL (the compose file sets production).",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The service's public address, without a trailing slash: the QR code "
        "of a yard report points residents to the yard's checklist there. Required when "
        "SAFEYARD_ENV=production (the default only suits a development machine).",
    )
    report_cache_mb: int = Field(
        default=200,
        ge=0,
        description="Size limit of the rendered-PDF cache under data_dir/reports, in MB; the "
        "least recently used reports are removed past it (0: no caching).",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db. Set: rate-limit counters are shared by every worker "
        "and host in Redis. Unset: each process counts in memory. Redis unreachable: requests "
        "are let through (fail open) with a logged warning.",
    )
    rate_limit_window_s: int = Field(
        default=600, gt=0, description="The window of the rate limits below, in seconds."
    )
    rate_limit_submissions: int = Field(
        default=30,
        ge=0,
        description="Checklists (POST /api/v1/submissions and the form's POST /checklist) one "
        "client address may send per window; more get 429 with Retry-After. Inspectors and "
        "admins are not limited. 0: no limit.",
    )
    rate_limit_photos: int = Field(
        default=300,
        ge=0,
        description="Photo uploads one client address may send per window (0: no limit).",
    )
    rate_limit_login: int = Field(
        default=20,
        ge=0,
        description="Login attempts (POST /login, /login/code, /login/enrol) one client "
        "address may make per window, "
        "whatever the account (0: no limit).",
    )
    api_docs: bool = Field(
        default=False,
        description="Serve the interactive API browser at /docs and /redoc (they load "
        "Swagger UI and ReDoc from a CDN). /openapi.json is always served.",
    )
    keep_alive_timeout_s: int = Field(
        default=5,
        ge=1,
        le=300,
        description="safeyard serve closes a connection that has waited this long for its next "
        "request after a response (keep it below the reverse proxy's upstream keep-alive).",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="safeyard serve closes a connection whose request line and headers are not "
        "complete this many seconds after it opened, or after its first byte following a "
        "keep-alive wait (slow-header clients).",
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Open connections one worker of safeyard serve keeps; a new one past it "
        "closes the least recently active idle connection (or itself, when all are busy). "
        "Lowered to the open-file limit less 64 when that is smaller.",
    )
    report_wait_s: float = Field(
        default=10.0,
        gt=0,
        description="How long an anonymous report request waits for a render turn before it "
        "is answered 503 with Retry-After (staff wait as long as it takes).",
    )
    rate_limit_reports: int = Field(
        default=10,
        ge=0,
        description="Report PDFs one anonymous client address may have rendered per window "
        "(SAFEYARD_RATE_LIMIT_WINDOW_S); reports already cached are free, staff are not "
        "limited; more get 429 with Retry-After. 0: no limit.",
    )
    city_bbox: str = Field(
        default="76.55,42.90,77.35,43.55",
        pattern=r"^\s*-?\d+(\.\d+)?\s*(,\s*-?\d+(\.\d+)?\s*){3}$",
        description="min_lon,min_lat,max_lon,max_lat: safeyard import-districts refuses a "
        "polygon reaching outside this box. The default is Almaty's OSM districts "
        "(76.74-77.17 E, 43.02-43.41 N) with a margin of about 10 km for the city's growth.",
    )
    retention_photos_days: int = Field(
        default=365,
        ge=1,
        description="Photos older than this many days are deleted (rows and files) by "
        "safeyard purge: a year covers a full season of follow-up.",
    )
    retention_comments_days: int = Field(
        default=365,
        ge=1,
        description="Free-text comments (comment and item_comments) of submissions older than "
        "this many days are erased by safeyard purge; answers and scores are kept.",
    )
    retention_login_attempts_hours: int = Field(
        default=24,
        ge=1,
        description="Failed-login records (email and client address) older than this many "
        "hours are deleted by safeyard purge (never sooner than the lock-out window).",
    )

    privacy_contact: str | None = Field(
        default=None,
        max_length=300,
        description="Where residents ask for their data to be deleted (an email address or a "
        "web address), shown on /privacy. Unset: the page names the operator of the service.",
    )

    @field_validator("city_bbox")
    @classmethod
    def _bbox_in_order(cls, value: str) -> str:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in value.split(","))
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise ValueError("expected min_lon,min_lat,max_lon,max_lat in degrees, min < max")
        return value

    @model_validator(mode="after")
    def _production_has_its_address(self) -> Self:
        # A QR code printed on a report must not send residents to the printer's localhost.
        if self.env == "production" and (
            "public_base_url" not in self.model_fields_set or not self.public_base_url.strip()
        ):
            raise ValueError(
                "SAFEYARD_PUBLIC_BASE_URL is not set. With SAFEYARD_ENV=production set it to "
                "the address residents open SafeYard at (e.g. https://safeyard.example.kz): "
                "the QR codes of the PDF reports point there."
            )
        return self

    @property
    def city_bounds(self) -> tuple[float, float, float, float]:
        """``city_bbox`` as (min_lon, min_lat, max_lon, max_lat)."""
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in self.city_bbox.split(","))
        return min_lon, min_lat, max_lon, max_lat


@lru_cache
def get_settings() -> Settings:
    return Settings()
