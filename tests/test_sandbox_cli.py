"""`dialbot sandbox` refuses options it cannot use, naming the option, before it starts."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--port", "70000"], "argument --port: '70000' is not a port"),
        (["--port", "-1"], "argument --port: '-1' is not a port"),
        (["--port", "http"], "argument --port: 'http' is not a port"),
        (["--token-ttl", "0"], "argument --token-ttl: '0' is not a number of at least 1"),
        (["--latency", "-0.5"], "argument --latency: '-0.5' is not a number of at least 0"),
        (["--latency", "nan"], "argument --latency: 'nan' is not a number of at least 0"),
    ],
)
def test_bad_options_exit_2_with_the_option_named_and_start_nothing(argv, complaint, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sandbox", *argv])

    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert complaint in err
    assert "listening" not in out
