def test_demo_runs_end_to_end(tmp_path, cli):
    out = tmp_path / "demo"
    result = cli("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "qjtitle.db").is_file()
    assert len(list((out / "补正告知书").glob("*.docx"))) == 4
