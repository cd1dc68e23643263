"""yards_service.search_by_public_name: letter case ignored for Cyrillic and Kazakh letters
too, on SQLite as on PostgreSQL; the address a sender typed is never matched."""

from __future__ import annotations

from sqlmodel import Session

from app.yards import service as yards_service


def yard(
    session: Session, name: str | None, lat: float = 43.2300, address: str | None = None
) -> int:
    created = yards_service.create_yard(
        session, lat=lat, lon=76.9500, district_id="medeu", micro_district_id=None, address=address
    )
    assert created.id is not None
    yards_service.set_public_name(session, yard_id=created.id, name=name)
    return created.id


class TestSearchByPublicName:
    def test_any_letter_case_and_e_for_yo(self, session: Session) -> None:
        wanted = yard(session, "Двор у ёлки, Ёлочная 17/2 (Әуезов)")
        yard(session, "ул. Ёлкина, 3")
        yard(session, None)
        for text in ("ёлочная", "ЕЛОЧНАЯ 17/2", "у  ёлки", "әуезов", "ӘУЕЗОВ)"):
            found = yards_service.search_by_public_name(session, text=text)
            assert [y.id for y in found] == [wanted], text

    def test_the_typed_address_is_never_matched(self, session: Session) -> None:
        yard(session, None, address="ул. Планетная 99, звоните 8701")
        assert yards_service.search_by_public_name(session, text="Планетная") == []
        assert yards_service.search_by_public_name(session, text="8701") == []

    def test_special_characters_are_literal(self, session: Session) -> None:
        yard(session, "Двор Самал-2, д. 5")
        assert yards_service.search_by_public_name(session, text="%") == []
        assert yards_service.search_by_public_name(session, text="_") == []
        assert yards_service.search_by_public_name(session, text=".*") == []
        assert len(yards_service.search_by_public_name(session, text="самал-2, д. 5")) == 1

    def test_empty_text_finds_nothing_and_the_limit_holds(self, session: Session) -> None:
        for n in range(5):
            yard(session, f"Двор Тестовый {n}", lat=43.2300 + n * 0.001)
        assert yards_service.search_by_public_name(session, text="   ") == []
        assert len(yards_service.search_by_public_name(session, text="тестовый", limit=3)) == 3
