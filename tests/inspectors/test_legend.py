"""One colour scale: the map's areas and yard dots (through ``map_config``), its legend and the
PDF map (``risk_colour``) give a risk the same colour; grey only when there is no figure."""

from __future__ import annotations

import pytest

from app.channels.staff import legend
from app.channels.web import colours
from app.channels.web.formatting import Formatter
from app.platform import translations


def js_fill(classes: list[dict], value: float) -> str:
    """static/js/inspector-map.js ``fillColour``: the last class whose lower bound it reaches."""
    colour = classes[0]["colour"]
    for c in classes:
        if value >= c["lower"]:
            colour = c["colour"]
    return colour


class TestOneScale:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_map_config_is_the_scale(self, lang: str) -> None:
        config = legend.map_config(Formatter(lang))
        assert [c["lower"] for c in config["risk"]] == list(colours.RISK_BOUNDS)
        assert [c["colour"] for c in config["risk"]] == list(colours.COLOURS)
        assert config["no_data"] == colours.NO_DATA
        assert colours.NO_DATA not in colours.COLOURS

    @pytest.mark.parametrize("value", [0.0, 19.9, 20.0, 39.3, 49.99, 50.0, 64.9, 65.0, 100.0])
    def test_map_and_pdf_agree(self, value: float) -> None:
        config = legend.map_config(Formatter("ru"))
        assert js_fill(config["risk"], value) == colours.risk_colour(value)

    def test_no_figure_is_grey(self) -> None:
        assert colours.risk_colour(None) == colours.NO_DATA

    def test_strings_for_no_data(self) -> None:
        token = translations.current_lang.set("kk")
        try:
            strings = legend.map_config(Formatter("kk"))["strings"]
        finally:
            translations.current_lang.reset(token)
        assert strings["no_yards_known"] == "Мұнда белгілі аула жоқ"
        assert "{n}" in strings["none_checked"]
        assert "{host}" in strings["tiles"]
