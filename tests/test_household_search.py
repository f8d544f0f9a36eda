"""Household search tells the truth: how many matched, every page of them, the closest first,
and a household found by its code however it is typed."""

from __future__ import annotations

from bot.actions.households import ResultsPage
from bot.app import App
from bot.core.messages import Reply
from bot.db.models import Role
from bot.locales import t
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_households_flow import add_household, household_ids, make_villages, staff_user
from tests.test_numbered_menus import number_of, text_volunteer

OTHERS = ("Trần Thị Lan", "Phạm Văn An", "Hoàng Văn Nam", "Đỗ Thị Mai", "Vũ Văn Hải")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khánh", "Long", "Minh", "Nga")


def next_pages(replies: list[Reply]) -> list[str]:
    return [p for p in payloads(replies) if p.startswith(ResultsPage.prefix + ":")]


async def every_page(user: ChatUser, first: list[Reply]) -> list[list[int]]:
    """The ids of each page, following "next page" until there is none."""
    pages = [household_ids(first)]
    replies = first
    while True:
        forward = [
            p
            for p, label in zip(payloads(replies), labels(replies), strict=True)
            if p.startswith(ResultsPage.prefix + ":") and label == t("volunteer.next_page")
        ]
        if not forward:
            return pages
        replies = await user.presses(forward[0])
        pages.append(household_ids(replies))
        assert len(pages) < 20, "paging does not end"


async def everything(user: ChatUser, query: str) -> list[int]:
    """The ids of every page of the results of a search, in order."""
    return [i for page in await every_page(user, await user.says(query)) for i in page]


async def test_the_count_is_every_match_and_the_pages_reach_all_of_them(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    nguyen = [
        await add_household(app, village, f"Nguyễn {middle} {given}")
        for middle in ("Văn", "Thị", "Đức")
        for given in (*GIVEN, "Oanh")
    ]
    assert len(nguyen) == 33
    for head in OTHERS:
        await add_household(app, village, head)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    first = await volunteer.says("nguyen")
    assert t("volunteer.found", count=33, village="Thôn Đông", query="nguyen") in texts(first)
    assert t("volunteer.page_of", page=1, pages=5) in texts(first)
    pages = await every_page(volunteer, first)
    assert [len(page) for page in pages] == [8, 8, 8, 8, 1]
    seen = [household for page in pages for household in page]
    assert sorted(seen) == sorted(nguyen)  # each of the 33 once, nothing else
    second = await volunteer.presses(next_pages(first)[-1])
    previous = [
        p
        for p, label in zip(payloads(second), labels(second), strict=True)
        if label == t("volunteer.previous_page")
    ]
    assert household_ids(await volunteer.presses(previous[0])) == pages[0]


async def test_the_closest_names_come_first_surname_and_given_name_both_count(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    # Added first, so that an order by insertion (or a tie broken by it) puts them first.
    nguyen = [
        await add_household(app, village, head)
        for head in (
            "Nguyễn Văn Thâm",
            "Nguyễn Văn Tâm Anh",
            "Nguyễn Văn Tâm Đức",
            "Nguyễn Văn Tuấn",
            "Nguyễn Văn Tâm",
            "Nguyễn Văn Tám",
            "Nguyễn Văn Tạm",
            "Nguyễn Thị Tâm",
            "Nguyễn Hữu Tâm",
            "Nguyễn Minh Tâm",
        )
    ]
    le_van_tam = await add_household(app, village, "Lê Văn Tâm")
    le_thi_tam = await add_household(app, village, "Lê Thị Tâm")
    le_van_tuan = await add_household(app, village, "Lê Văn Tuấn")
    for head in OTHERS:
        await add_household(app, village, head)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")

    full = await everything(volunteer, "Le Van Tam")
    assert full[0] == le_van_tam
    assert le_thi_tam in full and le_van_tuan in full
    last_le = max(full.index(le_thi_tam), full.index(le_van_tuan))
    assert all(full.index(n) > last_le for n in nguyen if n in full), full

    short = await everything(volunteer, "le tam")
    assert short[:2] in ([le_van_tam, le_thi_tam], [le_thi_tam, le_van_tam]), short
    assert all(short.index(n) > 1 for n in nguyen if n in short)


async def test_accents_are_optional_but_typed_accents_decide_ties(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    tam_acute = await add_household(app, village, "Lê Văn Tám")
    tam_circumflex = await add_household(app, village, "Lê Văn Tâm")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    assert household_ids(await volunteer.says("Lê Văn Tâm"))[:2] == [tam_circumflex, tam_acute]
    assert household_ids(await volunteer.says("Lê Văn Tám"))[:2] == [tam_acute, tam_circumflex]
    plain = household_ids(await volunteer.says("le van tam"))
    assert sorted(plain[:2]) == sorted([tam_acute, tam_circumflex])
    typo = household_ids(await volunteer.says("le vn tam"))
    assert sorted(typo[:2]) == sorted([tam_acute, tam_circumflex])


async def test_a_household_is_found_by_its_code_in_any_case_with_or_without_the_dash(
    app: App,
) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    for head in OTHERS:
        await add_household(app, village, head)
    wanted = await add_household(app, village, "Nguyễn Văn Bình", members=3, code="TD-0123")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    for typed in ("TD-0123", "td-0123", "td0123", "TD0123", "Td/0123", "0123", "123"):
        found = await volunteer.says(typed)
        assert household_ids(found)[:1] == [wanted], typed
        assert t("volunteer.found", count=1, village="Thôn Đông", query=typed) in texts(found)


async def test_on_a_channel_without_buttons_the_pages_are_numbered_choices(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    for given in GIVEN:
        await add_household(app, village, f"Nguyễn Văn {given}")
    volunteer = await text_volunteer(app, village)
    await volunteer.says("/households")
    first = await volunteer.says("nguyen")
    assert t("volunteer.found", count=10, village="Thôn Đông", query="nguyen") in texts(first)
    second = await volunteer.says(number_of(first, t("volunteer.next_page")))
    assert t("volunteer.page_of", page=2, pages=2) in texts(second)
    assert texts(second).count("Nguyễn Văn") == 2
    back = await volunteer.says(number_of(second, t("volunteer.previous_page")))
    assert t("volunteer.page_of", page=1, pages=2) in texts(back)


async def test_a_page_button_of_an_older_search_does_not_show_another_list(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    for given in GIVEN:
        await add_household(app, village, f"Nguyễn Văn {given}")
        await add_household(app, village, f"Trần Thị {given}")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    old = next_pages(await volunteer.says("nguyen"))
    newer = await volunteer.says("tran")
    again = await volunteer.presses(old[0])
    assert t("volunteer.old_results") in texts(again)
    assert not any("Nguyễn" in label for label in labels(again))
    # Opening a result keeps the list usable: its next page still answers.
    await volunteer.presses(f"hh:{household_ids(newer)[0]}")
    second = await volunteer.presses(next_pages(newer)[0])
    assert t("volunteer.page_of", page=2, pages=2) in texts(second)
    assert all("Trần" in label for label in labels(second) if "·" in label)
