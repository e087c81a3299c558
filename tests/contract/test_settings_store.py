"""SettingsStore: whether posts wait for an admin's approval."""

import pytest

from tests.contract.backends import Backend


@pytest.mark.parametrize("default", [True, False])
def test_the_deployments_default_holds_until_an_admin_chooses(
    backend: Backend, default: bool
) -> None:
    assert backend.settings(default).require_approval() is default


@pytest.mark.parametrize("default", [True, False])
def test_an_admins_choice_holds_whatever_the_default(backend: Backend, default: bool) -> None:
    settings = backend.settings(default)
    settings.set_require_approval(not default)
    assert settings.require_approval() is (not default)
    settings.set_require_approval(default)
    assert settings.require_approval() is default
