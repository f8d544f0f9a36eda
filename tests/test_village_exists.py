"""Adding a village that exists says so once, naming it as written: no "Thôn «Thôn …»"."""

from __future__ import annotations

from pathlib import Path

from bot.actions.admin import AddVillage
from bot.app import App
from tests.helpers import texts
from tests.test_admin_flow import make_admin
from tests.test_cli_admin import dvcbot


async def test_chat_names_an_existing_village_without_doubling_its_prefix(app: App) -> None:
    admin = await make_admin(app)
    await admin.presses(AddVillage().pack())
    await admin.says("Thôn Đông")
    await admin.presses("af:count:skip")
    await admin.presses(AddVillage().pack())
    again = texts(await admin.says("Thôn Đông"))
    assert "«Thôn Đông» đã có rồi" in again
    assert "Thôn «Thôn" not in again


def test_cli_names_the_existing_village_as_stored(tmp_path: Path) -> None:
    assert dvcbot(tmp_path, "villages", "add", "Tổ dân phố 3").returncode == 0
    assert dvcbot(tmp_path, "villages", "add", "Thôn Đức An").returncode == 0
    same = dvcbot(tmp_path, "villages", "add", "Thôn Đức An")
    assert same.returncode == 1
    assert same.stderr.strip() == "dvcbot: «Thôn Đức An» đã có rồi."
    bare = dvcbot(tmp_path, "villages", "add", "duc an")
    assert bare.returncode == 1 and "«Thôn Đức An» đã có rồi" in bare.stderr
    street = dvcbot(tmp_path, "villages", "add", "to dan pho 3")
    assert "«Tổ dân phố 3» đã có rồi" in street.stderr and "Thôn «" not in street.stderr
