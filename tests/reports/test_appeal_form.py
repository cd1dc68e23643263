"""The appeal's form: the ИИН/БИН check digit; what is checked and said back (422, in the
reader's language, the typed values kept, never cached); who may use it (anyone, for the
bodies with confirmed findings still to fix at the yard); the anonymous render limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.channels.reports.appeal_form import blank, iin_check_digit, iin_valid, read
from app.findings.models import Finding
from app.platform.db import Database
from app.platform.pdf.gate import RenderLimit
from app.platform.pdf.renderer import PdfRenderer
from app.platform.security.ratelimit import make_backend
from tests.accounts.support import logged_in
from tests.factories import create_user
from tests.findings_factories import add_member
from tests.reports.appeal_support import (
    LIGHT,
    TYPED_ADDRESS,
    AppealYard,
    appeal_yard,  # noqa: F401 (a fixture)
)

VALID = "900101300017"


def reports_of(client: TestClient) -> PdfRenderer:
    reports: PdfRenderer = client.app.state.context.pdf  # type: ignore[attr-defined]
    return reports


FORM = {"lang": "ru", "name": "Иванов Иван", "iin": VALID}


def _first_round(iin: str) -> int:
    return sum(int(d) * w for d, w in zip(iin[:11], range(1, 12), strict=True)) % 11


class TestIinCheckDigit:
    @pytest.mark.parametrize("iin", ["900101300017", "061211600012", "850203400115"])
    def test_valid(self, iin: str) -> None:
        assert iin_valid(iin)

    @pytest.mark.parametrize(
        "iin",
        ["900101300018", "90010130001", "9001013000170", "90010130001a", "９00101300017", ""],
    )
    def test_invalid(self, iin: str) -> None:
        assert not iin_valid(iin)

    def test_second_weights_when_the_first_sum_gives_ten(self) -> None:
        # 1*0+2*0+...+10*1+11*0 = 10: the second weights (3..11, 1, 2) give 1.
        assert iin_check_digit("00000000010") == 1
        assert iin_valid("000000000101")

    def test_no_check_digit_when_both_give_ten(self) -> None:
        assert iin_check_digit("06870986119") is None
        assert not any(iin_valid(f"06870986119{d}") for d in range(10))

    @given(st.text(alphabet="0123456789", min_size=11, max_size=11))
    def test_a_changed_digit_is_caught(self, first11: str) -> None:
        """A changed check digit always; one of the first ten digits (weights 1..10, none a
        multiple of 11) when neither number needs the second weights. The 11th digit's
        first weight is 11: the algorithm does not guard it in the first round."""
        check = iin_check_digit(first11)
        if check is None:
            return
        iin = first11 + str(check)
        assert iin_valid(iin)
        assert not iin_valid(iin[:11] + str((check + 1) % 10))
        if _first_round(iin) == 10:
            return
        for position in range(10):
            changed = iin[:position] + str((int(iin[position]) + 1) % 10) + iin[position + 1 :]
            if _first_round(changed) != 10:
                assert not iin_valid(changed), changed


class TestRead:
    def test_clean(self) -> None:
        form = read({**FORM, "body_id": "b", "iin": "9001 0130 0017"}, body_ids={"b"})
        assert form.errors == {} and form.applicant.iin == VALID

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", ""),
            ("name", "x" * 201),
            ("iin", ""),
            ("iin", "12345"),
            ("iin", "900101300018"),
            ("phone", "call me"),
            ("phone", "123"),
            ("email", "not-an-address"),
            ("lang", "de"),
            ("name", "Иван\x00"),
        ],
    )
    def test_refused(self, field: str, value: str) -> None:
        form = read({**FORM, "body_id": "b", field: value}, body_ids={"b"})
        assert set(form.errors) == {field}

    def test_a_body_without_findings_here(self) -> None:
        assert set(read({**FORM, "body_id": "x"}, body_ids={"b"}).errors) == {"body_id"}

    def test_blank_takes_a_known_language(self) -> None:
        assert blank(lang="de").values["lang"] == "ru" and blank(lang="kk").lang == "kk"


class TestPages:
    def test_the_form_lists_bodies_with_confirmed_findings_only(
        self,
        anonymous: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        page = anonymous.get(f"/yards/{appeal_yard.yard_id}/appeal?lang=kk")
        assert page.status_code == 200
        assert "Жауапты органға өтініш" in page.text
        assert appeal_yard.body_id in page.text
        assert appeal_yard.other_body_id not in page.text  # an unconfirmed finding only
        assert TYPED_ADDRESS not in page.text and appeal_yard.submission_id not in page.text
        assert page.headers["cache-control"] == "no-store"

    def test_a_yard_without_findings(
        self,
        anonymous: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        url = f"/yards/{appeal_yard.empty_yard_id}/appeal"
        assert "nothing to appeal yet" in anonymous.get(f"{url}?lang=en").text
        refused = anonymous.post(
            f"{url}.pdf?lang=en", data={**FORM, "body_id": appeal_yard.body_id}
        )
        assert refused.status_code == 422

    def test_no_such_yard(self, anonymous: TestClient) -> None:
        assert anonymous.get("/yards/99999999/appeal").status_code == 404
        assert anonymous.post("/yards/nope/appeal.pdf", data=FORM).status_code == 404

    @pytest.mark.parametrize(
        ("lang", "changed", "message"),
        [
            ("ru", {"name": ""}, "анонимные обращения"),
            ("kk", {"name": ""}, "анонимді өтініштерді"),
            ("en", {"name": ""}, "anonymous appeals"),
            ("ru", {"iin": "900101300018"}, "контрольная"),
            ("kk", {"iin": "900101300018"}, "соңғы (бақылау) цифры"),
            ("en", {"email": "nope"}, "name@example.kz"),
            ("ru", {"phone": "позвоните"}, "+7 701 234 56 78"),
        ],
    )
    def test_bad_input_is_said_back_with_the_values_kept(
        self,
        anonymous: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
        lang: str,
        changed: dict[str, str],
        message: str,
    ) -> None:
        data = {
            **FORM,
            "body_id": appeal_yard.body_id,
            "address": "ул. Абая 1",
            "phone": "+7 701 000 00 00",
            **changed,
        }
        page = anonymous.post(f"/yards/{appeal_yard.yard_id}/appeal.pdf?lang={lang}", data=data)
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert message in page.text
        for value in data.values():
            if value:
                assert f'value="{value}"' in page.text or value in ("ru", appeal_yard.body_id)

    def test_a_body_with_an_unconfirmed_finding_only(
        self,
        anonymous: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        page = anonymous.post(
            f"/yards/{appeal_yard.yard_id}/appeal.pdf?lang=en",
            data={**FORM, "body_id": appeal_yard.other_body_id},
        )
        assert page.status_code == 422 and "Choose the body from the list." in page.text


class TestWhoMayDownload:
    """Anyone: the appeal holds public data only, the same for every reader."""

    def _post(self, client: TestClient, yard: AppealYard) -> int:
        data = {**FORM, "body_id": yard.body_id}
        return client.post(f"/yards/{yard.yard_id}/appeal.pdf", data=data).status_code

    def test_residents_staff_the_body_and_the_cooperative(
        self,
        client: TestClient,
        db: Database,
        anonymous: TestClient,
        admin: TestClient,
        district_inspector: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        official = create_user(db, role=UserRole.official)
        cooperative = create_user(
            db,
            role=UserRole.cooperative,
            links=accounts_service.Links([], [], [appeal_yard.yard_id]),
        )
        with db.write_session() as session:
            assert official.id is not None
            add_member(session, body_id=appeal_yard.body_id, user_id=official.id)
        for reader in (
            anonymous,
            admin,
            district_inspector,
            logged_in(client.app, official),
            logged_in(client.app, cooperative),
        ):
            assert self._post(reader, appeal_yard) == 200

    def test_anonymous_renders_are_limited(
        self,
        anonymous: TestClient,
        admin: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        reports = reports_of(anonymous)
        kept = reports.limit
        reports.limit = RenderLimit(make_backend(None), count=1, window_s=3600)
        try:
            assert self._post(anonymous, appeal_yard) == 200
            refused = anonymous.post(
                f"/yards/{appeal_yard.yard_id}/appeal.pdf",
                data={**FORM, "body_id": appeal_yard.body_id},
            )
            assert refused.status_code == 429 and "retry-after" in refused.headers
            assert self._post(admin, appeal_yard) == 200  # staff are not limited
        finally:
            reports.limit = kept


class TestLinks:
    def test_from_the_yard_page_the_finding_page_and_my_yards(
        self,
        client: TestClient,
        db: Database,
        anonymous: TestClient,
        admin: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        link = f'href="/yards/{appeal_yard.yard_id}/appeal'
        assert link in anonymous.get(f"/yards/{appeal_yard.yard_id}").text
        empty = anonymous.get(f"/yards/{appeal_yard.empty_yard_id}").text
        assert f"/yards/{appeal_yard.empty_yard_id}/appeal" not in empty
        with db.session() as session:
            finding = session.exec(
                select(Finding).where(
                    Finding.yard_id == appeal_yard.yard_id, Finding.item_id == LIGHT
                )
            ).one()
        page = admin.get(f"/inspector/findings/{finding.id}")
        assert page.status_code == 200 and f"{link}?body={appeal_yard.body_id}" in page.text
        cooperative = create_user(
            db,
            role=UserRole.cooperative,
            links=accounts_service.Links([], [], [appeal_yard.yard_id]),
        )
        assert link in logged_in(client.app, cooperative).get("/my-yards").text
