"""Every table, imported in one place for Alembic and create_all."""

from app.checklists.models import ChecklistVersion
from app.districts.models import District, MicroDistrict
from app.photos.models import Photo
from app.submissions.models import Submission
from app.yards.models import Yard

__all__ = ["ChecklistVersion", "District", "MicroDistrict", "Photo", "Submission", "Yard"]
