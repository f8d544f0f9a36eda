"""Typed button payloads and numbered menus, without a database: what a person would see."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest

from bot.actions.guides import ShowStep
from bot.actions.handoff import HandoffHub, TakeRequest
from bot.actions.households import EditHousehold, LogHelp
from bot.actions.reports import DayTally, Subscribe
from bot.actions.shifts import Unavailable
from bot.core import menus
from bot.core.actions import Action, BadPayload, MainMenu
from bot.core.channels import ChannelInfo
from bot.core.messages import Choice, Document, Reply
from bot.core.registry import Registry
from bot.core.rendering import for_channel
from bot.db.models import Role
from handlers import register_all

TEXT_ONLY = ChannelInfo("zalo", buttons=False, edits=False, max_text=2000, files=False)


def parts(payload: str, prefix: str) -> list[str]:
    rest = payload.removeprefix(prefix)
    return rest.lstrip(":").split(":") if rest else []


def test_payloads_keep_their_wire_format() -> None:
    assert ShowStep("birth-registration", 3).pack() == "gs:birth-registration:3"
    assert TakeRequest(12).pack() == "ho:take:12"
    assert EditHousehold(5).pack() == "he:5" and EditHousehold(5, "mem").pack() == "he:5:mem"
    assert LogHelp(5, "t", "paid_online").pack() == "ha:5:t:paid_online"
    assert DayTally(date(2026, 11, 17)).pack() == "rp:d:2026-11-17"
    assert Unavailable(date(2026, 12, 2)).pack() == "su:20261202"
    assert Subscribe("d", on=True).pack() == "rp:s:d:1"
    assert MainMenu().pack() == "menu"


@pytest.mark.parametrize(
    "forged",
    [["-1"], ["1.5"], ["9" * 20], [], ["１２"], [""], ["12 "]],
)
def test_forged_ids_are_refused(forged: list[str]) -> None:
    with pytest.raises(BadPayload):
        TakeRequest.unpack(forged)


def test_dates_booleans_and_choices_are_checked() -> None:
    assert DayTally.unpack(["2026-11-17"]).day == date(2026, 11, 17)
    for bad in (["yesterday"], ["2026-02-30"], ["2026-1-7"]):
        with pytest.raises(BadPayload):
            DayTally.unpack(bad)
    assert Unavailable.unpack([]).day is None
    with pytest.raises(BadPayload):
        Subscribe.unpack(["m", "1"])
    with pytest.raises(BadPayload):
        Subscribe.unpack(["d", "yes"])


def test_a_payload_over_64_bytes_cannot_be_built() -> None:
    class Long(Action, prefix="long"):
        text: str

    with pytest.raises(ValueError, match="64 bytes"):
        Long("đ" * 40).pack()


def test_the_longest_declared_prefix_answers() -> None:
    class Hub(Action, prefix="xx"):
        pass

    class Take(Action, prefix="xx:take"):
        request: int

    class Kind(Action, prefix="xy"):
        kind: Literal["a", "b"]

    registry = Registry()

    async def nothing(ctx: object) -> list[Reply]:
        return []

    registry.action(Hub, nothing)
    registry.action(Take, nothing, roles={Role.ADMIN})
    registry.action(Kind, nothing)
    hub, rest = registry.find("xx") or (None, [])
    take, args = registry.find("xx:take:7") or (None, [])
    assert hub is not None and rest == [] and hub.roles is None
    assert take is not None and args == ["7"] and take.roles == frozenset({Role.ADMIN})
    assert registry.find("zz:1") is None
    with pytest.raises(ValueError, match="registered twice"):
        registry.action(Take, nothing)


def test_every_registered_route_is_unique_and_every_menu_entry_has_a_route() -> None:
    registry = Registry()
    register_all(registry)
    for entry in registry.menu_entries:
        assert registry.find(entry.choice.payload) is not None, entry.choice
    assert registry.find(HandoffHub().pack()) is not None


def test_numbers_on_count_buttons_mean_the_count() -> None:
    choices = [Choice(str(n), f"hc:acc:{n}") for n in range(5)]
    choices += [Choice("Số khác", "hc:acc:other"), Choice("❌ Hủy", "hc:cancel")]
    menu = menus.Menu("Có bao nhiêu người?", menus.number_choices(choices))
    assert menus.pick(menu, "3") == menus.MenuItem(3, "3", "hc:acc:3")
    assert menus.pick(menu, "0") == menus.MenuItem(0, "0", "hc:acc:0")
    assert menus.pick(menu, " 5 ") == menus.MenuItem(5, "Số khác", "hc:acc:other")
    assert menus.pick(menu, "6") == menus.MenuItem(6, "❌ Hủy", "hc:cancel")
    assert menus.pick(menu, "9") is None and menus.pick(menu, "ba") is None


def test_words_lines_are_numbered_from_one() -> None:
    items = menus.number_choices([Choice("📘 Hướng dẫn", "gl"), Choice("🏠 Danh mục", "menu")])
    assert [(item.number, item.payload) for item in items] == [(1, "gl"), (2, "menu")]


@pytest.mark.parametrize("typed", ["quay lại", "Quay lai", "menu", "XONG", "hủy", "thoát"])
def test_the_usual_words_for_back_and_done_are_recognised(typed: str) -> None:
    assert menus.is_navigation(typed)


def test_a_text_channel_gets_numbered_lines_and_a_menu_for_the_whole_batch() -> None:
    replies = [
        Reply("Trong 4 người, có bao nhiêu người đã có tài khoản?"),
        Reply(
            "Chọn số:",
            choices=(*(Choice(str(n), f"hc:acc:{n}") for n in range(5)), Choice("Hủy", "x")),
        ),
    ]
    shown, menu = for_channel(replies, TEXT_ONLY)
    assert menu is not None and [item.number for item in menu.items] == [0, 1, 2, 3, 4, 5]
    assert menu.text == "Chọn số:"
    assert all(not reply.choices for reply in shown)
    assert "0 · 1 · 2 · 3 · 4" in shown[1].text and "5. Hủy" in shown[1].text
    assert shown[0].text == replies[0].text


def test_a_menu_shown_again_keeps_its_numbers_and_question() -> None:
    items = menus.number_choices(
        [Choice(str(n), f"n:{n}") for n in range(3)] + [Choice("Hủy", "x")]
    )
    menu = menus.Menu("Có bao nhiêu người?", items)
    hint, again = menus.shown_again(menu, "7")
    assert "7" in hint.text and again.text == "Có bao nhiêu người?"
    _, remembered = for_channel([hint, again], TEXT_ONLY)
    assert remembered == menu
    hint, _ = menus.shown_again(menu, "quay lại")
    assert "3 (Hủy)" in hint.text


def test_a_channel_with_buttons_keeps_them_and_needs_no_menu() -> None:
    reply = Reply("Chọn:", choices=(Choice("Một", "gl"),))
    shown, menu = for_channel([reply], ChannelInfo("telegram"))
    assert shown == [reply] and menu is None


def test_what_a_channel_cannot_show_is_said_in_one_line() -> None:
    reply = Reply("Báo cáo tháng", document=Document("bao-cao.xlsx", b"PK"), replace=True)
    [shown], menu = for_channel([reply], TEXT_ONLY)
    assert shown.document is None and not shown.replace
    assert menu is not None and menu.to_state() is None  # no choices: the old menu is forgotten
    assert "chưa gửi được tệp" in shown.text


def test_long_text_is_split_with_the_menu_on_the_last_part() -> None:
    reply = Reply("\n\n".join(["Đoạn văn " + "chữ " * 300] * 4), choices=(Choice("Tiếp", "gl"),))
    shown, menu = for_channel([reply], TEXT_ONLY)
    assert len(shown) > 1 and all(len(part.text) <= 2000 for part in shown)
    assert "1. Tiếp" in shown[-1].text and "1. Tiếp" not in shown[0].text
    assert menu is not None and menus.pick(menu, "1") is not None
    assert menus.Menu.from_state(menu.to_state()) == menu
