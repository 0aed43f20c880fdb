"""What a person's claim grants under the operator's SSO mapping, and a mapping that is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import OidcSettings
from service.tenancy.sso.grants import Grant, GrantTable, SsoConfigError
from service.tenancy.sso.people import config_problem

MAPPING = {
    "lnd": {"tenant": "acme", "scopes": ["outcomes/read"]},
    "lnd-editors": {"tenant": "acme", "scopes": ["outcomes/write", "statements/read"]},
    "it-ops": {"tenant": "default", "scopes": ["operator"]},
}


def oidc(**values: object) -> OidcSettings:
    base: dict[str, object] = {
        "issuer": "https://op.test",
        "client_id": "lrs",
        "client_secret": "s",
        "mapping": MAPPING,
    }
    return OidcSettings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def test_matching_values_of_one_tenant_add_their_scopes() -> None:
    table = GrantTable.of(oidc())
    grant = table.grant_for({"groups": ["lnd-editors", "staff", "lnd"]})
    assert grant == Grant("acme", ("statements/read", "outcomes/read", "outcomes/write"))


def test_the_first_matching_entry_decides_the_tenant() -> None:
    table = GrantTable.of(oidc())
    assert table.grant_for({"groups": ["it-ops", "lnd"]}) == Grant("acme", ("outcomes/read",))
    assert table.grant_for({"groups": ["it-ops"]}) == Grant("default", ("operator",))


def test_nothing_mapped_grants_nothing() -> None:
    table = GrantTable.of(oidc())
    assert table.grant_for({"groups": ["sales"]}) is None
    assert table.grant_for({"groups": "sales"}) is None
    assert table.grant_for({}) is None
    assert table.grant_for({"groups": [{"lnd": 1}, 7]}) is None  # not strings: not values


def test_a_single_string_and_a_nested_claim_are_read() -> None:
    assert GrantTable.of(oidc()).grant_for({"groups": "it-ops"}) == Grant("default", ("operator",))
    nested = GrantTable.of(oidc(claim="realm_access.roles"))
    assert nested.grant_for({"realm_access": {"roles": ["lnd"]}}) == Grant(
        "acme", ("outcomes/read",)
    )
    assert nested.grant_for({"realm_access": ["lnd"]}) is None


def test_a_changed_mapping_changes_the_stamp() -> None:
    first = GrantTable.of(oidc()).stamp()
    assert GrantTable.of(oidc()).stamp() == first
    assert GrantTable.of(oidc(claim="roles")).stamp() != first
    changed = {**MAPPING, "lnd": {"tenant": "acme", "scopes": ["outcomes/write"]}}
    assert GrantTable.of(oidc(mapping=changed)).stamp() != first


def test_the_mapping_can_come_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("it-ops:\n  tenant: default\n  scopes: [operator, metrics]\n")
    table = GrantTable.of(oidc(mapping={}, mapping_file=str(path)))
    assert table.grant_for({"groups": ["it-ops"]}) == Grant("default", ("metrics", "operator"))


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"mapping": {"x": {"tenant": "acme", "scopes": ["root"]}}}, "unknown scope(s): root"),
        ({"mapping": {"x": {"tenant": "Bad Name", "scopes": ["all"]}}}, "invalid tenant name"),
        ({"mapping": {}, "mapping_file": "/nonexistent/map.yaml"}, "LRS_OIDC_MAPPING_FILE"),
        ({"client_secret": None, "client_secret_file": "/nonexistent"}, "_SECRET_FILE"),
    ],
)
def test_an_unusable_configuration_is_named(values: dict[str, object], problem: str) -> None:
    found = config_problem(oidc(**values))
    assert found is not None
    assert problem in found


def test_an_incomplete_configuration_is_refused_when_read() -> None:
    with pytest.raises(ValueError, match="LRS_OIDC_CLIENT_ID"):
        oidc(client_id=None)
    with pytest.raises(ValueError, match="openid"):
        oidc(scopes="profile")
    with pytest.raises(ValueError, match="LRS_OIDC_MAPPING"):
        oidc(mapping={})
    with pytest.raises(SsoConfigError, match="grants nothing"):
        GrantTable.of(oidc().model_copy(update={"mapping": {}}))


def test_without_an_issuer_nothing_is_checked() -> None:
    assert config_problem(OidcSettings(_env_file=None)) is None
