"""load_site: TOML site files -> domain Site, with every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.config import ConfigError, load_site
from ampshare.domain import Charger, Circuit, Meter, parse_connection
from tests.config.helpers import EXAMPLES, SEED_SITE, SEED_TOML, site_problems, write

SITE_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.toml") if "scenario" not in p.name)


@pytest.mark.parametrize("path", SITE_EXAMPLES, ids=lambda p: p.name)
def test_every_example_site_loads_clean(path: Path) -> None:
    site = load_site(path)
    assert site.circuits
    assert site.chargers


def test_the_seed_site_maps_to_the_domain() -> None:
    site = load_site(SEED_SITE)
    assert site.name == "Two JuiceBoxes on one 50 A circuit"
    assert site.voltage_v == 240.0
    assert site.circuits == (Circuit("garage", 50.0),)
    assert site.circuits[0].continuous_limit_a == 40.0
    assert site.chargers == (Charger("left", "garage", 40.0), Charger("right", "garage", 40.0))
    assert site.meters == ()


def test_every_optional_key_reaches_the_domain(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "full.toml",
        """
[site]
name = "full"
voltage_v = 400.0

[[circuits]]
id = "service"
breaker_a = 100
phases = 3
max_power_kw = 40
demand_limit_kw = 27.5
safe_budget_a = 12
primary_voltage_v = 480
primary_breaker_a = 60
primary_limit_a = 45

[[circuits]]
id = "branch_1.a"
parent = "service"
breaker_a = 40
limit_a = 30
connection = "l3-l1"

[[chargers]]
id = "bus"
circuit = "service"
max_current_a = 80
min_current_a = 8
fallback_current_a = 0
start_current_a = 0
connection = "L2-N"
priority = 2

[[chargers]]
id = "van"
circuit = "branch_1.a"
max_current_a = 32

[[meters]]
id = "main-meter"
circuit = "service"
""",
    )
    site = load_site(path)
    assert site.circuits == (
        Circuit(
            "service",
            100.0,
            phases=3,
            max_power_w=40000.0,
            safe_budget_a=12.0,
            demand_limit_w=27500.0,
            primary_voltage_v=480.0,
            primary_breaker_a=60.0,
            primary_limit_a=45.0,
        ),
        Circuit(
            "branch_1.a",
            40.0,
            limit_a=30.0,
            parent="service",
            connection=parse_connection("L3-L1"),
        ),
    )
    assert site.chargers[0] == Charger(
        "bus",
        "service",
        80.0,
        min_current_a=8.0,
        fallback_current_a=0.0,
        start_current_a=0.0,
        connection=parse_connection("L2-N"),
        priority=2,
    )
    assert site.meters == (Meter("main-meter", "service"),)
    assert isinstance(site.circuits[0].breaker_a, float)


# --- each kind of problem, named by file, entry and key ------------------------------------


def test_an_unknown_key_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.toml", SEED_TOML.replace("max_current_a = 40", "max_curent_a = 40", 1)
    )
    problems = site_problems(path)
    assert (
        f"{path}: charger 'left' (chargers[0]): unknown key 'max_curent_a' "
        "(did you mean 'max_current_a'?)"
    ) in problems
    assert (
        f"{path}: charger 'left' (chargers[0]): missing required key 'max_current_a' "
        "(the charger's own rating in amps): add it"
    ) in problems


def test_an_unknown_key_with_no_near_miss_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.toml",
        SEED_TOML.replace("voltage_v = 240", 'voltage_v = 240\ncolour = "red"'),
    )
    assert site_problems(path) == [
        f"{path}: [site]: unknown key 'colour' (remove it or use one of: 'name', 'voltage_v')"
    ]


def test_a_misspelt_array_is_an_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", SEED_TOML + '\n[[meter]]\nid = "m"\ncircuit = "garage"\n')
    assert site_problems(path) == [
        f"{path}: top level: unknown key 'meter' (did you mean 'meters'?)"
    ]


def test_a_missing_parent(tmp_path: Path) -> None:
    text = SEED_TOML.replace("breaker_a = 50", 'breaker_a = 50\nparent = "mian"')
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 1
    assert (
        "circuit 'garage' (circuits[0]): parent 'mian' is not a circuit in this file" in problems[0]
    )


def test_a_cycle_of_parents(tmp_path: Path) -> None:
    text = (
        SEED_TOML
        + """
[[circuits]]
id = "a"
parent = "b"
breaker_a = 30

[[circuits]]
id = "b"
parent = "a"
breaker_a = 30
"""
    )
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert any(
        "circuit 'a' (circuits[1]): its parents form a loop (a -> b -> a)" in p for p in problems
    )
    assert any(
        "circuit 'b' (circuits[2]): its parents form a loop (b -> a -> b)" in p for p in problems
    )


def test_a_charger_on_an_unknown_circuit(tmp_path: Path) -> None:
    text = SEED_TOML.replace('circuit = "garage"', 'circuit = "garag"', 1)
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 1
    assert (
        "charger 'left' (chargers[0]): circuit 'garag' is not a circuit in this file" in problems[0]
    )
    assert "'garage'" in problems[0]


def test_a_limit_above_80_percent_of_the_breaker(tmp_path: Path) -> None:
    text = SEED_TOML.replace("breaker_a = 50", "breaker_a = 50\nlimit_a = 45")
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 1
    assert (
        "circuit 'garage' (circuits[0]): limit_a 45 A is above 80% of its 50 A breaker"
        in problems[0]
    )
    assert "lower limit_a" in problems[0]


def test_a_lower_limit_is_accepted(tmp_path: Path) -> None:
    text = SEED_TOML.replace("breaker_a = 50", "breaker_a = 50\nlimit_a = 32")
    assert load_site(write(tmp_path, "ok.toml", text)).circuits[0].continuous_limit_a == 32.0


def test_a_breaker_too_large_for_the_charger(tmp_path: Path) -> None:
    text = SEED_TOML.replace("breaker_a = 50", "breaker_a = 60")
    problems = site_problems(write(tmp_path, "bad.toml", text))
    for index, name in enumerate(["left", "right"]):
        assert any(
            f"charger '{name}' (chargers[{index}]): a charger rated 40 A may sit behind a "
            "breaker of at most 50 A" in p
            for p in problems
        )


def test_a_minimum_above_the_rating(tmp_path: Path) -> None:
    text = SEED_TOML.replace("max_current_a = 40", "max_current_a = 40\nmin_current_a = 48", 1)
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert any(
        "charger 'left' (chargers[0]): min_current_a 48 A is above its rating max_current_a 40 A"
        in p
        for p in problems
    )


def test_fallbacks_that_do_not_fit_the_limit(tmp_path: Path) -> None:
    chargers = "".join(
        f'\n[[chargers]]\nid = "c{n}"\ncircuit = "garage"\nmax_current_a = 40\n'
        "fallback_current_a = 16\n"
        for n in range(3)
    )
    text = '[site]\nname = "x"\nvoltage_v = 240\n[[circuits]]\nid = "garage"\nbreaker_a = 50\n'
    problems = site_problems(write(tmp_path, "bad.toml", text + chargers))
    assert any(
        "circuit 'garage' (circuits[0]): its 3 chargers fall back to 48 A together if ampshare "
        "is lost, above its limit of 40 A" in p
        for p in problems
    )


def test_idle_chargers_whose_start_current_could_trip_the_breaker(tmp_path: Path) -> None:
    depot = (EXAMPLES / "three_phase_depot.toml").read_text(encoding="utf-8")
    text = depot.replace("start_current_a = 0", "")
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 3  # one per line of the service
    assert all("circuit 'service' (circuits[0]): " in p for p in problems)
    assert all("Set start_current_a = 0" in p for p in problems)


def test_power_is_written_in_kw_and_the_old_watts_key_is_refused(tmp_path: Path) -> None:
    text = SEED_TOML.replace("breaker_a = 50", "breaker_a = 50\nmax_power_w = 9000")
    path = write(tmp_path, "bad.toml", text)
    assert site_problems(path) == [
        f"{path}: circuit 'garage' (circuits[0]): unknown key 'max_power_w' "
        "(did you mean 'max_power_kw'?)"
    ]
    text = SEED_TOML.replace("breaker_a = 50", "breaker_a = 50\nmax_power_kw = 7.2")
    assert load_site(write(tmp_path, "ok.toml", text)).circuits[0].max_power_w == 7200.0


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("demand_limit_kw = 0", "demand_limit_kw must be positive, got 0 kW"),
        ("max_power_kw = -3", "max_power_kw must be positive, got -3 kW"),
        ("demand_limit_kw = nan", "demand_limit_kw must be a finite number, got nan"),
        ('demand_limit_kw = "20"', "demand_limit_kw must be a number, got the string '20'"),
        (
            "demand_limit_kw = 2",
            "its 2 chargers fall back to 2.9 kW together if ampshare is lost, above its demand "
            "limit of 2.0 kW (15-minute average)",
        ),
        (
            "primary_voltage_v = 480\nprimary_breaker_a = 30",
            "a transformer primary feeds a 3-phase circuit: set phases = 3",
        ),
        ("primary_breaker_a = 30", "add primary_voltage_v"),
        (
            "phases = 3\nprimary_voltage_v = 480",
            "a transformer primary needs primary_breaker_a",
        ),
    ],
)
def test_bad_power_and_primary_keys(tmp_path: Path, lines: str, expected: str) -> None:
    text = SEED_TOML.replace("breaker_a = 50", f"breaker_a = 50\n{lines}")
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 1, problems
    assert problems[0].split(": ", 1)[1].startswith("circuit 'garage' (circuits[0]): ")
    assert expected in problems[0]


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", '[site]\nname = "x"\nvoltage_v = = 240\n')
    problems = site_problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: line 3, column ")
    assert "TOML syntax error" in problems[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'max_current_a = "40"',
            "max_current_a must be a number, got the string '40': remove the quotes",
        ),
        ("max_current_a = true", "max_current_a must be a number, got true"),
        ("max_current_a = nan", "max_current_a must be a finite number, got nan"),
        ("max_current_a = inf", "max_current_a must be a finite number, got inf"),
        ("max_current_a = [40]", "max_current_a must be a number, got [...]"),
        ("max_current_a = 40\npriority = 1.5", "priority must be a whole number, got 1.5"),
        ("max_current_a = 40\nconnection = 12", "connection must be a string, got 12"),
    ],
)
def test_a_wrong_type(tmp_path: Path, line: str, expected: str) -> None:
    text = SEED_TOML.replace("max_current_a = 40", line, 1)
    path = write(tmp_path, "bad.toml", text)
    assert site_problems(path) == [f"{path}: charger 'left' (chargers[0]): {expected}"]


def test_a_float_is_a_number_too(tmp_path: Path) -> None:
    text = SEED_TOML.replace("max_current_a = 40", "max_current_a = 39.5", 1)
    assert load_site(write(tmp_path, "ok.toml", text)).chargers[0].max_current_a == 39.5


def test_a_bad_connection(tmp_path: Path) -> None:
    text = SEED_TOML.replace("max_current_a = 40", 'max_current_a = 40\nconnection = "L1-L4"', 1)
    path = write(tmp_path, "bad.toml", text)
    assert site_problems(path) == [
        f"{path}: charger 'left' (chargers[0]): connection 'L1-L4' is not one of L1-N, L2-N, "
        "L3-N, L1-L2, L2-L3, L3-L1, L1-L2-L3"
    ]


@pytest.mark.parametrize(
    ("entry_id", "where"),
    [('"my car"', "charger 'my car' (chargers[0])"), ('""', "chargers[0]"), ("7", "chargers[0]")],
)
def test_a_bad_id(tmp_path: Path, entry_id: str, where: str) -> None:
    text = SEED_TOML.replace('id = "left"', f"id = {entry_id}")
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert len(problems) == 1
    assert f": {where}: id " in problems[0]


def test_an_entry_without_id_is_named_by_its_index(tmp_path: Path) -> None:
    text = SEED_TOML.replace('id = "right"\n', "")
    path = write(tmp_path, "bad.toml", text)
    assert site_problems(path) == [
        f"{path}: chargers[1]: missing required key 'id' (a unique name such as 'left'): add it"
    ]


def test_duplicate_ids_name_every_entry(tmp_path: Path) -> None:
    text = SEED_TOML.replace('id = "right"', 'id = "left"')
    problems = site_problems(write(tmp_path, "bad.toml", text))
    assert any(
        "charger 'left' (chargers[0], chargers[1]): the id is used by 2" in p for p in problems
    )


def test_a_missing_site_table(tmp_path: Path) -> None:
    text = SEED_TOML.replace('[site]\nname = "seed"\nvoltage_v = 240\n', "")
    path = write(tmp_path, "bad.toml", text)
    assert site_problems(path) == [
        f"{path}: [site]: missing: add a [site] table with name and voltage_v"
    ]


def test_a_single_table_where_an_array_belongs(tmp_path: Path) -> None:
    text = SEED_TOML.replace("[[circuits]]", "[circuits]")
    path = write(tmp_path, "bad.toml", text)
    # the chargers' references to 'garage' are consequences: not reported
    assert site_problems(path) == [
        f"{path}: circuits: must be an array of tables: start each circuit with [[circuits]] "
        "(two brackets)"
    ]


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert site_problems(path) == [f"{path}: file not found: check the path"]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(SEED_TOML.replace("seed", "caf\xe9").encode("latin-1"))
    assert site_problems(path) == [f"{path}: the file is not UTF-8 text: save it as UTF-8"]


# --- many problems at once -----------------------------------------------------------------

MANY_PROBLEMS = """
[site]
name = "many"
voltage_v = "240"

[[circuits]]
id = "main"
breaker_a = 100

[[circuits]]
id = "garage"
parent = "main"
breaker_a = 60

[[circuits]]
id = "shed"
breaker_a = "30"
limit_a = 5

[[circuits]]
id = "workshop"
parent = "shed"
breaker_a = 40
limit_a = 35

[[chargers]]
id = "left"
circuit = "garage"
max_curent_a = 40

[[chargers]]
id = "right"
circuit = "garage"
max_current_a = 40
min_current_a = 48

[[chargers]]
id = "shed-1"
circuit = "shed"
max_current_a = 16

[[chargers]]
id = "lost"
circuit = "nowhere"
max_current_a = 16

[[meters]]
id = "shed-meter"
circuit = "shed"
"""


def test_every_problem_in_a_file_is_reported_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path, "many.toml", MANY_PROBLEMS)
    with pytest.raises(ConfigError) as info:
        load_site(path)
    error = info.value
    wheres = [problem.where for problem in error.problems]
    assert wheres == [
        "[site]",
        "circuit 'shed' (circuits[2])",
        "circuit 'workshop' (circuits[3])",
        "charger 'left' (chargers[0])",
        "charger 'left' (chargers[0])",
        "charger 'right' (chargers[1])",  # min above its rating
        "charger 'right' (chargers[1])",  # so its 6 A fallback is out of range
        "charger 'right' (chargers[1])",  # 60 A breaker for a 40 A charger
        "charger 'lost' (chargers[3])",
    ]
    text = str(error)
    assert text == "\n".join(error.lines())
    assert all(line.startswith(f"{path}: ") for line in error.lines())
    assert "voltage_v must be a number, got the string '240'" in text
    assert "breaker_a must be a number, got the string '30'" in text
    assert "limit_a 35 A is above 80% of its 40 A breaker" in text  # workshop, under broken shed
    assert "unknown key 'max_curent_a' (did you mean 'max_current_a'?)" in text
    assert "min_current_a 48 A is above its rating" in text
    assert "a charger rated 40 A may sit behind a breaker of at most 50 A" in text  # right
    assert "circuit 'nowhere' is not a circuit" in text


def test_consequences_of_a_malformed_entry_are_not_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "many.toml", MANY_PROBLEMS)
    text = "\n".join(site_problems(path))
    assert "parent 'shed'" not in text  # the workshop's parent is the malformed shed
    assert "shed-1" not in text  # a charger on the malformed shed
    assert "shed-meter" not in text
    assert "voltage_v must be a positive number" not in text  # [site] itself is malformed
