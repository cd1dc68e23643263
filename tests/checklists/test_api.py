"""GET /api/v1/checklist in three languages, and older versions."""

from __future__ import annotations

from fastapi.testclient import TestClient


class TestChecklistApi:
    def test_current_in_each_language(self, client: TestClient) -> None:
        bodies = {
            lang: client.get(f"/api/v1/checklist?lang={lang}").json() for lang in ("ru", "kk", "en")
        }
        assert {b["lang"] for b in bodies.values()} == {"ru", "kk", "en"}
        assert len({b["sections"][0]["title"] for b in bodies.values()}) == 3
        item = bodies["en"]["sections"][0]["items"][0]
        assert item["options"] and all("risk" in o for o in item["options"])
        assert item["weight"] > 0 and item["why"] and item["remedy"]
        assert [b["band"] for b in bodies["en"]["bands"]] == ["low", "moderate", "high", "critical"]

    def test_accept_language_is_honoured(self, client: TestClient) -> None:
        kk = client.get("/api/v1/checklist", headers={"Accept-Language": "kk-KZ,ru;q=0.5"})
        assert kk.json()["lang"] == "kk"
        assert client.get("/api/v1/checklist").json()["lang"] == "ru"

    def test_not_applicable_is_offered_where_allowed(self, client: TestClient) -> None:
        items = [i for s in client.get("/api/v1/checklist").json()["sections"] for i in s["items"]]
        with_na = [i for i in items if i["allow_na"]]
        assert with_na
        assert all(
            i["options"][-1]["value"] == "na" and i["options"][-1]["risk"] is None for i in with_na
        )

    def test_version_by_name(self, client: TestClient) -> None:
        version = client.get("/api/v1/checklist").json()["version"]
        assert client.get(f"/api/v1/checklist/{version}?lang=en").json()["version"] == version
        missing = client.get("/api/v1/checklist/1999.1")
        assert missing.status_code == 404 and version in missing.json()["message"]

    def test_bad_language_is_422(self, client: TestClient) -> None:
        assert client.get("/api/v1/checklist?lang=de").status_code == 422


class TestHealth:
    def test_healthz(self, client: TestClient) -> None:
        body = client.get("/healthz").json()
        assert body["status"] == "ok" and body["areas_loaded"] is True
