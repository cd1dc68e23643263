"""areas nest in districts: a micro-district across a district border becomes one area per
district (``<id>~<district id>``); yards, submissions, yard risks and inspectors' links follow;
every area gets a name in Russian, Kazakh and English (issue 12)

Revision ID: e6nesting06
Revises: e5outbox05
Create Date: 2026-12-05 23:10:00

Self-contained but for the pure geometry of ``app.geo`` (the cutting rule of
``app.geo.nesting``, the locator, the OpenStreetMap names of ``data/geo/names``):

- each micro-district crossing district borders is replaced by its pieces (slivers under 1%
  of it or 0.01 km² dropped); a piece is named like its cell, with its own district;
- every yard whose area is not of the yard's own district (a split cell, or a sliver) is
  placed again from its stored point, as ``AreaIndex.locate`` places a new one; its
  submissions and its ``yard_risk`` row follow it, as the intake writes them;
- an inspector linked to a split cell is linked to its pieces in the districts linked to his
  account; with none of those (the usual case: a cell was linked instead of a district), to
  every piece, so he keeps seeing every yard he saw;
- names: H3 cells known to ``data/geo/names`` are named from it in the three languages; any
  other area without a name gets "<district> · <code>".

Downgrade merges the pieces back into one area per cell (their union, the largest piece's
district) and drops the Kazakh and English names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from shapely.geometry import mapping, shape

from alembic import op

revision: str = "e6nesting06"
down_revision: str | None = "e5outbox05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEPARATOR = "~"

district = sa.table(
    "district",
    sa.column("id", sa.String),
    sa.column("name_ru", sa.String),
    sa.column("name_kk", sa.String),
    sa.column("name_en", sa.String),
    sa.column("geometry", sa.Text),
)
yard = sa.table(
    "yard",
    sa.column("id", sa.Integer),
    sa.column("lat", sa.Float),
    sa.column("lon", sa.Float),
    sa.column("micro_district_id", sa.String),
    sa.column("district_id", sa.String),
)
submission = sa.table(
    "submission", sa.column("yard_id", sa.Integer), sa.column("micro_district_id", sa.String)
)
yard_risk = sa.table(
    "yard_risk", sa.column("yard_id", sa.Integer), sa.column("micro_district_id", sa.String)
)
user_district = sa.table(
    "user_district", sa.column("user_id", sa.Integer), sa.column("district_id", sa.String)
)
user_micro = sa.table(
    "user_micro_district",
    sa.column("user_id", sa.Integer),
    sa.column("micro_district_id", sa.String),
)


def _micro_table(names: bool) -> sa.TableClause:
    columns = [
        sa.column("id", sa.String),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("district_id", sa.String),
        sa.column("area_km2", sa.Float),
        sa.column("geometry", sa.Text),
        sa.column("source", sa.String),
        sa.column("imported_at", sa.DateTime(timezone=True)),
    ]
    if names:
        columns += [sa.column("name_kk", sa.String), sa.column("name_en", sa.String)]
    return sa.table("micro_district", *columns)


def upgrade() -> None:
    with op.batch_alter_table("micro_district", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_kk", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("name_en", sa.String(length=300), nullable=True))
    bind = op.get_bind()
    districts = {r.id: r for r in bind.execute(sa.select(district)).all()}
    if districts:
        centres = _split_cells(bind, districts)
        _name_areas(bind, districts, centres)


def _split_cells(bind: Any, districts: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Cut the cells, move what refers to them; returns {cut cell id: (lat, lon) of its centre}
    (a piece is named from its whole cell's centre, as the import does)."""
    from app.geo.features import geodesic_area_km2
    from app.geo.locator import Area, AreaIndex
    from app.geo.nesting import Districts, split_by_districts

    micro = _micro_table(names=True)
    cutter = Districts([Area(d.id, shape(json.loads(d.geometry))) for d in districts.values()])
    rows = bind.execute(sa.select(micro).order_by(micro.c.id)).all()
    areas: list[Area] = []
    pieces_of: dict[str, list[str]] = {}
    centres: dict[str, tuple[float, float]] = {}
    for row in rows:
        geometry = shape(json.loads(row.geometry))
        slices = split_by_districts(row.id, geometry, cutter) if SEPARATOR not in row.id else []
        if len(slices) <= 1:
            # Inside one district: that one, as the import now decides (the file's own
            # district, or the largest share, before).
            own = slices[0].district_id if slices and slices[0].district_id else row.district_id
            if own != row.district_id:
                bind.execute(micro.update().where(micro.c.id == row.id).values(district_id=own))
            areas.append(Area(row.id, geometry, own))
            continue
        pieces_of[row.id] = [s.id for s in slices]
        centres[row.id] = (geometry.centroid.y, geometry.centroid.x)
        for piece in slices:
            bind.execute(
                micro.insert().values(
                    id=piece.id,
                    kind=row.kind,
                    # Named below from data/geo/names where it knows the cell.
                    name=f"{row.name} · {districts[piece.district_id].name_ru}"
                    if row.name and piece.district_id
                    else row.name,
                    district_id=piece.district_id,
                    area_km2=round(geodesic_area_km2(piece.geometry), 4),
                    geometry=json.dumps(mapping(piece.geometry), separators=(",", ":")),
                    source=row.source,
                    imported_at=row.imported_at,
                )
            )
            areas.append(Area(piece.id, piece.geometry, piece.district_id))

    index = AreaIndex(
        [Area(d.id, cutter.areas[i].geometry) for i, d in enumerate(cutter.areas)], areas
    )
    area_district = {a.id: a.district_id for a in areas}
    moved: dict[int, str | None] = {}
    for y in bind.execute(sa.select(yard)).all():
        if y.micro_district_id is None or area_district.get(y.micro_district_id) == y.district_id:
            continue
        moved[y.id] = index.micro_district_in(y.lat, y.lon, y.district_id)
    for yard_id, micro_id in moved.items():
        bind.execute(yard.update().where(yard.c.id == yard_id).values(micro_district_id=micro_id))
        for table in (submission, yard_risk):
            bind.execute(
                table.update().where(table.c.yard_id == yard_id).values(micro_district_id=micro_id)
            )
    # A submission of a split cell whose yard did not move (none should remain): its yard's area.
    if pieces_of:
        for table in (submission, yard_risk):
            stale = table.c.micro_district_id.in_(sorted(pieces_of))
            for r in bind.execute(sa.select(table.c.yard_id).where(stale).distinct()).all():
                own = bind.execute(
                    sa.select(yard.c.micro_district_id).where(yard.c.id == r.yard_id)
                ).scalar_one()
                bind.execute(
                    table.update()
                    .where(table.c.yard_id == r.yard_id, stale)
                    .values(micro_district_id=own)
                )
    _move_links(bind, pieces_of, area_district)
    if pieces_of:
        bind.execute(micro.delete().where(micro.c.id.in_(sorted(pieces_of))))
    return centres


def _move_links(
    bind: Any, pieces_of: dict[str, list[str]], area_district: dict[str, str | None]
) -> None:
    links = bind.execute(
        sa.select(user_micro).where(user_micro.c.micro_district_id.in_(sorted(pieces_of)))
    ).all()
    if not links:
        return
    own_districts: dict[int, set[str]] = defaultdict(set)
    for r in bind.execute(sa.select(user_district)).all():
        own_districts[r.user_id].add(r.district_id)
    held = {(r.user_id, r.micro_district_id) for r in bind.execute(sa.select(user_micro)).all()}
    for link in links:
        pieces = pieces_of[link.micro_district_id]
        mine = [p for p in pieces if area_district[p] in own_districts[link.user_id]]
        for piece in mine or pieces:
            if (link.user_id, piece) not in held:
                bind.execute(
                    user_micro.insert().values(user_id=link.user_id, micro_district_id=piece)
                )
                held.add((link.user_id, piece))
        bind.execute(
            user_micro.delete().where(
                user_micro.c.user_id == link.user_id,
                user_micro.c.micro_district_id == link.micro_district_id,
            )
        )


def _name_areas(
    bind: Any, districts: dict[str, Any], centres: dict[str, tuple[float, float]]
) -> None:
    from app.geo.names import DEFAULT_NAMES_DIR, read_place_names

    names = read_place_names(DEFAULT_NAMES_DIR)
    micro = _micro_table(names=True)
    languages = (
        ("ru", "name", "name_ru"),
        ("kk", "name_kk", "name_kk"),
        ("en", "name_en", "name_en"),
    )
    for row in bind.execute(sa.select(micro).order_by(micro.c.id)).all():
        cell_id = row.id.split(SEPARATOR, 1)[0]
        own = districts.get(row.district_id or "")
        from_data = row.kind == "h3" and names.knows(cell_id)
        if not from_data and row.name:
            continue  # a name imported with the area: one text for every language
        parts = None
        if from_data:
            if cell_id in centres:
                lat, lon = centres[cell_id]
            else:
                centre = shape(json.loads(row.geometry)).centroid
                lat, lon = centre.y, centre.x
            parts = names.area_parts(cell_id, lat=lat, lon=lon)
        values = {}
        for lang, column, district_column in languages:
            district_name = getattr(own, district_column) if own is not None else None
            if parts is not None:
                values[column] = parts.compose(lang, district_name)[:300]
            else:
                values[column] = f"{district_name} · {cell_id}" if district_name else cell_id
        bind.execute(micro.update().where(micro.c.id == row.id).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    micro = _micro_table(names=True)
    pieces = bind.execute(
        sa.select(micro).where(micro.c.id.like(f"%{SEPARATOR}%")).order_by(micro.c.id)
    ).all()
    by_cell: dict[str, list[Any]] = defaultdict(list)
    for row in pieces:
        by_cell[row.id.split(SEPARATOR, 1)[0]].append(row)
    if by_cell:
        from shapely import union_all

        from app.geo.features import geodesic_area_km2

        existing = {r.id for r in bind.execute(sa.select(micro.c.id)).all()}
        for cell_id, rows in by_cell.items():
            if cell_id not in existing:
                geometry = union_all([shape(json.loads(r.geometry)) for r in rows])
                largest = max(rows, key=lambda r: r.area_km2 or 0.0)
                bind.execute(
                    micro.insert().values(
                        id=cell_id,
                        kind=largest.kind,
                        name=largest.name,
                        district_id=largest.district_id,
                        area_km2=round(geodesic_area_km2(geometry), 4),
                        geometry=json.dumps(mapping(geometry), separators=(",", ":")),
                        source=largest.source,
                        imported_at=largest.imported_at,
                    )
                )
            ids = [r.id for r in rows]
            for table in (yard, submission, yard_risk):
                bind.execute(
                    table.update()
                    .where(table.c.micro_district_id.in_(ids))
                    .values(micro_district_id=cell_id)
                )
            users = {
                r.user_id
                for r in bind.execute(
                    sa.select(user_micro.c.user_id).where(user_micro.c.micro_district_id.in_(ids))
                ).all()
            }
            bind.execute(user_micro.delete().where(user_micro.c.micro_district_id.in_(ids)))
            for user_id in sorted(users):
                held = bind.execute(
                    sa.select(sa.func.count())
                    .select_from(user_micro)
                    .where(
                        user_micro.c.user_id == user_id, user_micro.c.micro_district_id == cell_id
                    )
                ).scalar_one()
                if not held:
                    bind.execute(
                        user_micro.insert().values(user_id=user_id, micro_district_id=cell_id)
                    )
            bind.execute(micro.delete().where(micro.c.id.in_(ids)))
    # Not a batch: on SQLite a batch copies the table, and dropping the copied table fails
    # while yards refer to it; SQLite >= 3.35 drops a column in place.
    op.drop_column("micro_district", "name_en")
    op.drop_column("micro_district", "name_kk")
