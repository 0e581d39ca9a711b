import re

from lockgate.names import upload_execution_name

VALID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def test_same_object_version_same_name() -> None:
    assert upload_execution_name("b", "raw/credit/a.csv", "v1") == upload_execution_name(
        "b", "raw/credit/a.csv", "v1"
    )


def test_any_identity_change_changes_the_name() -> None:
    base = upload_execution_name("b", "raw/credit/a.csv", "v1")
    assert (
        len(
            {
                base,
                upload_execution_name("b2", "raw/credit/a.csv", "v1"),
                upload_execution_name("b", "raw/credit/b.csv", "v1"),
                upload_execution_name("b", "raw/credit/a.csv", "v2"),
            }
        )
        == 4
    )


def test_names_are_valid_for_step_functions_whatever_the_key() -> None:
    for key in ["raw/crédit/été 2026 (copy)+1.csv", "raw/" + "x" * 300 + ".csv", "raw/%%%/***"]:
        assert VALID.match(upload_execution_name("bucket", key, "v")), key
