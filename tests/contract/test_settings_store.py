"""SettingsStore: whether posts wait for an admin's approval, and whether members may post to the
cohort's accounts."""

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


def test_members_may_post_to_the_cohorts_accounts_until_an_admin_says_otherwise(
    backend: Backend,
) -> None:
    settings = backend.settings(False)
    assert settings.members_post_to_cohort() is True
    settings.set_members_post_to_cohort(False)
    assert settings.members_post_to_cohort() is False


def test_saving_one_setting_keeps_the_other(backend: Backend) -> None:
    settings = backend.settings(False)
    settings.set_members_post_to_cohort(False)
    settings.set_require_approval(True)
    assert (settings.require_approval(), settings.members_post_to_cohort()) == (True, False)
    settings.set_members_post_to_cohort(True)
    assert (settings.require_approval(), settings.members_post_to_cohort()) == (True, True)
