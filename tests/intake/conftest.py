from pathlib import Path

import pytest

from intake.classify import load_classifier, train


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier trained from the repository's data (once per session)."""
    result = train(tmp_path_factory.mktemp("model") / "classifier.joblib")
    assert result.path.exists() and result.classes > 250
    return result.path


@pytest.fixture(scope="session")
def classifier(model_file: Path):
    return load_classifier(model_file)
