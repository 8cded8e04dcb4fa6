"""The public model contract (emotion/checks.py), run over every committed spec and the toy family."""

from __future__ import annotations

import pytest

from emotion import registry
from emotion.checks import ContractError, check_model
from tests.test_registry import TOY


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry.unregister(TOY.name)


def test_the_toy_family_keeps_the_contract(toy):
    check_model(toy)


def test_the_contract_check_finds_a_broken_family(toy):
    """A family whose answer to a text depends on its batch is caught, as is a missing eighth output."""
    broken = registry.ModelSpec("toy-broken", {"any": "tests.toy_family:BrokenToyClassifier"}, TOY.train)
    registry.register(broken)
    try:
        with pytest.raises(ContractError, match=r"batch|order"):
            check_model(broken)
    finally:
        registry.unregister(broken.name)
    with pytest.raises(ContractError, match="eighth output"):
        check_model(toy, require_no_emotion=True)


@pytest.mark.slow
@pytest.mark.parametrize("spec", registry.SPECS, ids=lambda spec: spec.name)
def test_every_committed_family_keeps_the_contract_with_its_eighth_output(spec):
    check_model(spec, require_no_emotion=True, tolerance=2e-3)
