"""Single sign-on while the OpenID Provider cannot be reached: a clear 502 page, no session,
and sign-in with a credential still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import make_settings
from tests.console.support import browser, sign_in
from tests.server.served import exit_of_serve, free_port


@pytest.mark.asyncio
async def test_an_unreachable_provider_is_a_clear_page_and_credentials_still_work(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path,
        oidc_issuer=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        oidc_client_id="lrs",
        oidc_client_secret="secret",
        oidc_mapping={"it": {"tenant": "default", "scopes": ["operator"]}},
        oidc_timeout_seconds=2,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), browser(app) as client:
        signin = await client.get("/console/signin")
        assert "Sign in with SSO" in signin.text
        answer = await client.get("/console/sso")
        assert answer.status_code == 502
        assert "OpenID Provider is unreachable" in answer.text
        assert "set-cookie" not in answer.headers
        await sign_in(client)
        assert (await client.get("/console/operations")).status_code == 200


def test_a_mapping_that_cannot_work_stops_the_start_before_it_listens(tmp_path: Path) -> None:
    env = {
        "LRS_PORT": str(free_port()),
        "LRS_STORE_URL": f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
        "LRS_OIDC_ISSUER": "http://127.0.0.1:9",
        "LRS_OIDC_CLIENT_ID": "lrs",
        "LRS_OIDC_CLIENT_SECRET": "secret",
        "LRS_OIDC_MAPPING": '{"it": {"tenant": "default", "scopes": ["root"]}}',
    }
    code, output = exit_of_serve(env, tmp_path / "serve.log", seconds=60)
    assert code == 1
    assert "cannot start: single sign-on: LRS_OIDC_MAPPING entry 'it': unknown scope(s): root" in (
        output
    )
