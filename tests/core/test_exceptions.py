import pytest

from nv_one_logger.core.exceptions import OneLoggerError, assert_that


def test_assert_that_passes_on_truthy():
    assert_that(True, "never")
    assert_that([0], "never")


@pytest.mark.parametrize("falsy", [False, None, 0, "", []])
def test_assert_that_raises_with_message(falsy):
    with pytest.raises(OneLoggerError, match=r"^the message$"):
        assert_that(falsy, "the message")


def test_one_logger_error_is_an_exception():
    assert issubclass(OneLoggerError, Exception)
