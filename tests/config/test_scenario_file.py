"""load_scenario: TOML scenario files (and sessions CSVs) -> sim Scenario, every problem at once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ampshare.config import ConfigError, load_site
from ampshare.config.scenario_file import load_scenario, parse_scenario
from ampshare.domain import Site
from ampshare.sim.household import typical_evening
from ampshare.sim.scenario import Fault, FaultKind, Scenario
from tests.config.helpers import EXAMPLES, write

HOME = EXAMPLES / "home_with_meter.toml"
CALTECH = EXAMPLES / "caltech_acn.toml"
CALTECH_CSV = EXAMPLES / "data" / "caltech_acn_sessions_2019-03-01_to_15.csv"
PST = timezone(timedelta(hours=-8))
HEADER = "session_id,station_id,arrival,departure,energy_kwh\n"
DAY_S = 86400.0


@pytest.fixture(scope="module")
def home() -> Site:
    return load_site(HOME)


@pytest.fixture(scope="module")
def caltech() -> Site:
    return load_site(CALTECH)


def scenario_problems(path: Path, site: Site) -> list[str]:
    """The lines of the ConfigError that load_scenario must raise."""
    with pytest.raises(ConfigError) as info:
        load_scenario(path, site)
    assert info.value.path == path
    return info.value.lines()


def load_text(tmp_path: Path, site: Site, text: str) -> Scenario:
    return load_scenario(write(tmp_path, "scenario.toml", text), site)


def problems_of(tmp_path: Path, site: Site, text: str) -> tuple[Path, list[str]]:
    path = write(tmp_path, "scenario.toml", text)
    return path, scenario_problems(path, site)


# --- the examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site_name", "scenario_name"),
    [
        ("home_with_meter.toml", "home_evening_scenario.toml"),
        ("caltech_acn.toml", "caltech_week_scenario.toml"),
        ("caltech_acn.toml", "caltech_two_weeks_scenario.toml"),
    ],
)
def test_every_example_scenario_loads_against_its_site(site_name: str, scenario_name: str) -> None:
    scenario = load_scenario(EXAMPLES / scenario_name, load_site(EXAMPLES / site_name))
    assert scenario.sessions
    assert scenario.duration_s > max(s.arrival_s for s in scenario.sessions)


def test_every_example_scenario_is_in_the_list_above() -> None:
    assert {p.name for p in EXAMPLES.glob("*scenario*.toml")} == {
        "home_evening_scenario.toml",
        "caltech_week_scenario.toml",
        "caltech_two_weeks_scenario.toml",
    }


def test_the_evening_at_home_tells_its_story(home: Site) -> None:
    scenario = load_scenario(EXAMPLES / "home_evening_scenario.toml", home)
    assert scenario.duration_s == 6 * 3600
    assert scenario.start == datetime(2026, 11, 20, 17, 0, tzinfo=PST)
    commuter, second = scenario.sessions
    assert (commuter.charger_id, commuter.arrival_s, commuter.departure_s) == (
        "driveway",
        900,
        None,
    )
    assert (second.charger_id, second.arrival_s, second.departure_s) == ("garage", 3600, 19800)
    # [car] for the commuter, its own keys for the second car
    assert (commuter.car.battery_wh, commuter.car.max_current_a) == (75000, 40)
    assert (second.car.battery_wh, second.car.max_current_a) == (60000, 32)
    # a fault with a duration is followed by its end
    assert scenario.faults == (
        Fault(4800, FaultKind.METER_SILENT, "house"),
        Fault(4920, FaultKind.METER_BACK, "house"),
        Fault(12600, FaultKind.AMPSHARE_DOWN),
        Fault(12900, FaultKind.AMPSHARE_UP),
    )
    house = scenario.households["service"]
    assert house.current_a(0) == 6
    assert house.current_a(3600) == 6 + 18  # the oven
    assert house.current_a(2.5 * 3600) == 6 + 22  # the dryer


def test_the_caltech_week_keeps_the_first_week(caltech: Site) -> None:
    scenario = load_scenario(EXAMPLES / "caltech_week_scenario.toml", caltech)
    assert scenario.start == datetime(2019, 3, 1, tzinfo=PST)
    assert len(scenario.sessions) == 209
    assert all(s.arrival_s < 7 * DAY_S for s in scenario.sessions)
    assert scenario.duration_s == max(s.departure_s or 0 for s in scenario.sessions)
    whole = load_scenario(EXAMPLES / "caltech_two_weeks_scenario.toml", caltech)
    assert len(whole.sessions) == 475
    assert sum(s.energy_wanted_wh for s in whole.sessions) == pytest.approx(4_469_000, abs=1000)


def test_the_data_is_copied_into_examples_with_its_readme() -> None:
    assert CALTECH_CSV.read_text(encoding="utf-8").startswith(HEADER)
    assert "UTC-08:00" in (EXAMPLES / "data" / "README.md").read_text(encoding="utf-8")


# --- times ----------------------------------------------------------------------------------

MINIMAL = """
[scenario]
duration = "3d"

[[sessions]]
charger = "driveway"
arrive = "{arrive}"
energy_kwh = 10
"""


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("0:00", 0),
        ("1:30", 5400),
        ("0:00:45", 45),
        ("25:00", 90000),
        ("2d 4:00", 2 * DAY_S + 4 * 3600),
        ("1d", DAY_S),
    ],
)
def test_offsets_are_seconds_from_the_start(
    tmp_path: Path, home: Site, written: str, seconds: float
) -> None:
    scenario = load_text(tmp_path, home, MINIMAL.format(arrive=written))
    assert scenario.sessions[0].arrival_s == seconds
    assert scenario.start is None


@pytest.mark.parametrize(
    "written",
    [
        '"2026-11-20T18:30:00-08:00"',
        '"2026-11-21T02:30:00Z"',
        "2026-11-20T19:30:00-07:00",  # a TOML offset date-time, unquoted
    ],
)
def test_iso_times_count_from_the_start_whatever_their_offset(
    tmp_path: Path, home: Site, written: str
) -> None:
    text = f"""
[scenario]
start = "2026-11-20T17:00:00-08:00"
duration = "6:00"

[[sessions]]
charger = "driveway"
arrive = {written}
leave = "5:00"
energy_kwh = 10
"""
    scenario = load_text(tmp_path, home, text)
    assert scenario.sessions[0].arrival_s == 1.5 * 3600
    assert scenario.sessions[0].departure_s == 5 * 3600


def test_the_duration_defaults_to_the_last_departure(tmp_path: Path, home: Site) -> None:
    text = """
[[sessions]]
charger = "driveway"
arrive = "0:00"
leave = "7:15"
energy_kwh = 10

[[sessions]]
charger = "garage"
arrive = "1:00"
leave = "3:00"
energy_kwh = 10
"""
    scenario = load_text(tmp_path, home, text)
    assert scenario.duration_s == 7.25 * 3600
    assert scenario.name == "scenario"  # the file's name
    assert [s.id for s in scenario.sessions] == ["driveway@0:00", "garage@1:00"]


def test_csv_times_count_from_midnight_before_the_first_arrival(
    tmp_path: Path, caltech: Site
) -> None:
    write(
        tmp_path,
        "s.csv",
        HEADER
        + "a,CA-315,2019-03-09T06:20:00-08:00,2019-03-09T07:40:00-08:00,4.2\n"
        # after the switch to PDT on 10 March the data still says -08:00: no hour is lost
        + "b,CA-321,2019-03-11T08:00:00-08:00,2019-03-11T17:00:00-08:00,10\n"
        # the same instant in PDT is the same second
        + "c,CA-319,2019-03-11T09:00:00-07:00,,10\n",
    )
    scenario = load_text(tmp_path, caltech, '[scenario]\nsessions_csv = "s.csv"\n')
    assert scenario.start == datetime(2019, 3, 9, tzinfo=PST)
    a, b, c = scenario.sessions
    assert (a.arrival_s, a.departure_s) == (6 * 3600 + 20 * 60, 7 * 3600 + 40 * 60)
    assert b.arrival_s == 2 * DAY_S + 8 * 3600
    assert c.arrival_s == b.arrival_s
    assert c.departure_s is None  # an empty departure: it stays to the end
    assert scenario.duration_s == 2 * DAY_S + 17 * 3600
    assert a.energy_wanted_wh == 4200


def test_a_csv_with_a_start_counts_from_it(tmp_path: Path, caltech: Site) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            "week.toml",
            f'[scenario]\nsessions_csv = "{CALTECH_CSV}"\n'
            'start = "2019-03-01T06:00:00-08:00"\nuntil = "2019-03-02T00:00:00-08:00"\n',
        ),
        caltech,
    )
    assert scenario.sessions[0].id == "2_39_89_25_20190301T0620"
    assert scenario.sessions[0].arrival_s == 20 * 60


def test_from_and_until_keep_the_arrivals_in_between(tmp_path: Path, caltech: Site) -> None:
    write(
        tmp_path,
        "s.csv",
        HEADER
        + "early,CA-315,2019-03-01T07:59:00-08:00,2019-03-01T09:00:00-08:00,1\n"
        + "first,CA-321,2019-03-01T08:00:00-08:00,2019-03-01T09:00:00-08:00,1\n"
        + "last,CA-319,2019-03-01T09:59:00-08:00,2019-03-01T12:00:00-08:00,1\n"
        + "late,CA-315,2019-03-01T10:00:00-08:00,2019-03-01T11:00:00-08:00,1\n",
    )
    text = """
[scenario]
sessions_csv = "s.csv"
from = 2019-03-01T08:00:00-08:00
until = "2019-03-01T10:00:00-08:00"
"""
    scenario = load_text(tmp_path, caltech, text)
    assert [s.id for s in scenario.sessions] == ["first", "last"]
    assert scenario.start == datetime(2019, 3, 1, tzinfo=PST)


def test_a_car_that_wants_more_than_its_battery_gets_a_battery_that_size(
    tmp_path: Path, home: Site
) -> None:
    text = """
[scenario]
duration = "8:00"

[[sessions]]
charger = "driveway"
arrive = "0:00"
energy_kwh = 90

[[sessions]]
charger = "garage"
arrive = "0:00"
energy_kwh = 20
"""
    big, small = load_text(tmp_path, home, text).sessions
    assert big.car.battery_wh == pytest.approx(100_000)  # 90 kWh below its 90 % limit
    assert big.car.start_energy_wh(90_000) == pytest.approx(0)
    assert small.car.battery_wh == 60000  # the default
    assert small.car.charge_limit_soc == 0.9  # the default
    assert small.car.max_current_a == 40  # the charger's rating, by default


def test_a_typical_evening_profile_covers_the_scenario(tmp_path: Path, home: Site) -> None:
    text = """
[scenario]
duration = "5:00"

[[households]]
circuit = "ev-panel"
profile = "typical_evening"
seed = 7
spikes = [ { at = "1:00", duration = "0:10", current_a = 9 } ]
"""
    scenario = load_text(tmp_path, home, text)
    profile = scenario.households["ev-panel"]
    evening = typical_evening(7, 0.0, 5.0)
    assert profile.base_a == evening.base_a
    assert profile.spikes[:-1] == evening.spikes
    assert profile.spikes[-1].start_s == 3600
    assert profile.spikes[-1].name == "appliance"


# --- problems in the TOML file, each named by file, entry and key ------------------------------


def test_every_problem_in_a_file_is_listed_with_entry_and_key(tmp_path: Path, home: Site) -> None:
    text = """
[scenario]
duraton = "6:00"

[car]
batery_kwh = 60

[[sessions]]
charger = "drivway"
arrive = "0:10"
energy_kwh = 30

[[sessions]]
id = "two"
charger = "garage"
arrive = "soon"
energy_kwh = "30"
car = { batery_kwh = 75 }

[[sessions]]
charger = "garage"
arrive = "1:00"

[[faults]]
at = "1:00"
kind = "meter_silnt"

[[faults]]
at = "1:00"
kind = "meter_silent"

[[households]]
circuit = "servce"
base_a = 4
spikes = [ { at = "0:30", minutes = 45, current_a = 18 } ]
"""
    path, problems = problems_of(tmp_path, home, text)
    expected = [
        "[scenario]: unknown key 'duraton' (did you mean 'duration'?)",
        "[car]: unknown key 'batery_kwh' (did you mean 'battery_kwh'?)",
        "session 'drivway@0:10' (sessions[0]): charger 'drivway' is not a charger of the site "
        "(did you mean 'driveway'?)",
        "session 'two' (sessions[1]): arrive must be an offset from the start",
        "session 'two' (sessions[1]): energy_kwh must be a number, got the string '30': "
        "remove the quotes",
        "session 'two' (sessions[1]): unknown key 'car.batery_kwh' (did you mean 'battery_kwh'?)",
        "sessions[2]: missing required key 'energy_kwh' (the energy the driver wants, in kWh)",
        "fault 'meter_silnt' (faults[0]): kind 'meter_silnt' is not a kind of fault "
        "(did you mean 'meter_silent'?)",
        "fault 'meter_silent' (faults[1]): missing key 'target': meter_silent needs the id of a "
        "meter (the site's meters: 'house')",
        "household on 'servce' (households[0]): missing required key 'spikes[0].duration'",
        "household on 'servce' (households[0]): unknown key 'spikes[0].minutes' "
        "(remove it or use one of: 'at', 'duration', 'current_a', 'name')",
    ]
    for line in expected:
        assert any(problem.startswith(f"{path}: {line}") for problem in problems), line
    assert len(problems) == len(expected)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            'kind = "charger_disconnect"\ntarget = "garag"',
            "fault 'charger_disconnect' (faults[0]): target 'garag' is not a charger of the site "
            "(did you mean 'garage'?)",
        ),
        (
            'kind = "ampshare_down"\ntarget = "house"',
            "fault 'ampshare_down' (faults[0]): target: ampshare_down names no device: "
            "remove target",
        ),
        (
            'kind = "ampshare_up"\nduration = "0:05"',
            "fault 'ampshare_up' (faults[0]): duration: ampshare_up ends a fault",
        ),
        (
            'kind = "ampshare_down"\nduration = "0:00"',
            "fault 'ampshare_down' (faults[0]): duration must be longer than zero",
        ),
        ("kind = 3", "faults[0]: kind must be a string"),
    ],
)
def test_a_bad_fault(tmp_path: Path, home: Site, fault: str, message: str) -> None:
    text = f'[scenario]\nduration = "1:00"\n\n[[faults]]\nat = "0:10"\n{fault}\n'
    path, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    ("household", "message"),
    [
        ('circuit = "service"\nseed = 3', "seed is for a profile"),
        ('circuit = "service"\nprofile = "typical_evening"\nbase_a = 2', "base_a: the profile"),
        ('circuit = "service"', "no load: give base_a, spikes or profile"),
        ('circuit = "service"\nprofile = "typical_morning"', "profile must be one of"),
        ('circuit = "service"\nbase_a = -1', "base_a must be 0 or more, got -1"),
    ],
)
def test_a_bad_household(tmp_path: Path, home: Site, household: str, message: str) -> None:
    text = f'[scenario]\nduration = "1:00"\n\n[[households]]\n{household}\n'
    path, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: household on 'service' (households[0]): {message}")


def test_two_households_on_one_circuit(tmp_path: Path, home: Site) -> None:
    text = (
        '[scenario]\nduration = "1:00"\n' + '[[households]]\ncircuit = "service"\nbase_a = 2\n' * 2
    )
    _, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: household on 'service' (households[1]): circuit "
        "'service' already has household on 'service' (households[0]): put all its loads in one "
        "entry"
    ]


@pytest.mark.parametrize(
    ("scenario_table", "message"),
    [
        ('start = "2026-11-20T17:00:00"', "start '2026-11-20T17:00:00' has no UTC offset"),
        ("duration = 360", "duration must be a time span in quotes"),
        ('duration = "6h"', "duration must be a time span in quotes"),
        ("reading_interval_s = 0", "reading_interval_s must be more than 0, got 0"),
        ('name = ""', "name must not be empty"),
        ('from = "2019-03-01T00:00:00-08:00"', "from and until cut down a sessions_csv"),
    ],
)
def test_a_bad_scenario_table(
    tmp_path: Path, home: Site, scenario_table: str, message: str
) -> None:
    text = f'[scenario]\n{scenario_table}\n\n[[sessions]]\ncharger = "garage"\n'
    text += 'arrive = "0:00"\nleave = "1:00"\nenergy_kwh = 5\n'
    path, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: [scenario]: {message}")


@pytest.mark.parametrize(
    ("arrive", "message"),
    [
        (
            "18:00:00",
            "arrive is a time of day (18:00:00): write an offset from the start in quotes",
        ),
        ("30", "arrive must be a time in quotes"),
        ('"-1:00"', "arrive must be an offset from the start"),
        ('"1:75"', "arrive must be an offset from the start"),
    ],
)
def test_a_bad_time(tmp_path: Path, home: Site, arrive: str, message: str) -> None:
    text = f'[scenario]\nduration = "8:00"\n\n[[sessions]]\ncharger = "garage"\narrive = {arrive}\n'
    text += "energy_kwh = 5\n"
    path, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert f"{path}: " in problems[0]
    assert message in problems[0]


def test_a_date_needs_a_start(tmp_path: Path, home: Site) -> None:
    text = '[scenario]\nduration = "1:00"\n[[faults]]\nat = "2026-11-20T18:00:00-08:00"\n'
    text += 'kind = "ampshare_down"\n'
    _, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: fault 'ampshare_down' (faults[0]): at "
        "2026-11-20T18:00:00-08:00 is a date and time, but the scenario has no start: set start "
        'in [scenario], or write an offset such as "1:30"'
    ]


def test_arrivals_at_dates_start_the_scenario_at_midnight(tmp_path: Path, home: Site) -> None:
    text = """
[[sessions]]
charger = "garage"
arrive = "2026-11-20T18:00:00-08:00"
leave = "2026-11-21T07:00:00-08:00"
energy_kwh = 5

[[faults]]
at = "20:00"
kind = "ampshare_down"
"""
    scenario = load_text(tmp_path, home, text)
    assert scenario.start == datetime(2026, 11, 20, tzinfo=PST)
    assert scenario.sessions[0].arrival_s == 18 * 3600
    assert scenario.duration_s == 31 * 3600
    assert scenario.faults[0].at_s == 20 * 3600


def test_a_time_before_the_start(tmp_path: Path, home: Site) -> None:
    text = """
[scenario]
start = "2026-11-20T17:00:00-08:00"
duration = "8:00"

[[sessions]]
charger = "garage"
arrive = "2026-11-20T16:59:00-08:00"
energy_kwh = 5
"""
    _, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: session 'garage@2026-11-20T16:59:00-08:00' (sessions[0]): "
        "arrive 2026-11-20T16:59:00-08:00 is before the start of the scenario "
        "(2026-11-20T17:00:00-08:00)"
    ]


def test_things_at_or_after_the_end_are_refused(tmp_path: Path, home: Site) -> None:
    text = """
[scenario]
duration = "2:00"

[[sessions]]
charger = "garage"
arrive = "2:00"
energy_kwh = 5

[[faults]]
at = "3:00"
kind = "ampshare_down"

[[households]]
circuit = "service"
spikes = [ { at = "2:30", duration = "0:10", current_a = 5 } ]
"""
    _, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 3
    assert "session 'garage@2:00' (sessions[0]): arrive 2:00 is at or after the end" in problems[0]
    assert "fault 'ampshare_down' (faults[0]): at 3:00 is at or after the end" in problems[1]
    assert "(households[0]): spikes[0].at 2:30 is at or after the end" in problems[2]


def test_a_fault_that_ends_after_the_scenario_lasts_to_the_end(tmp_path: Path, home: Site) -> None:
    text = '[scenario]\nduration = "1:00"\n[[faults]]\nat = "0:50"\nkind = "ampshare_down"\n'
    text += 'duration = "0:30"\n'
    assert load_text(tmp_path, home, text).faults == (Fault(3000, FaultKind.AMPSHARE_DOWN),)


def test_no_duration_and_no_departure(tmp_path: Path, home: Site) -> None:
    text = '[[sessions]]\ncharger = "garage"\narrive = "0:00"\nenergy_kwh = 5\n'
    _, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: [scenario]: duration is missing, and no session has a "
        'departure to end at: add duration = "H:MM" to [scenario]'
    ]


def test_a_departure_must_follow_its_arrival(tmp_path: Path, home: Site) -> None:
    text = '[[sessions]]\ncharger = "garage"\narrive = "2:00"\nleave = "2:00"\nenergy_kwh = 5\n'
    text += '[scenario]\nduration = "3:00"\n'
    _, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: session 'garage@2:00' (sessions[0]): leave 2:00 is not "
        "after arrive 2:00: a car leaves after it arrives"
    ]


def test_overlapping_sessions_on_one_charger_are_refused(tmp_path: Path, home: Site) -> None:
    text = """
[[sessions]]
id = "first"
charger = "garage"
arrive = "0:00"
leave = "3:00"
energy_kwh = 5

[[sessions]]
id = "back to back"
charger = "garage"
arrive = "3:00"
leave = "4:00"
energy_kwh = 5

[[sessions]]
id = "other charger"
charger = "driveway"
arrive = "1:00"
leave = "2:00"
energy_kwh = 5

[[sessions]]
id = "overlapping"
charger = "garage"
arrive = "3:30"
leave = "5:00"
energy_kwh = 5
"""
    path, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{path}: session 'overlapping' (sessions[3]): overlaps session 'back to back' "
        "(sessions[1]) on charger 'garage', whose car is there from 3:00 to 4:00: a charger "
        "holds one car at a time"
    ]


def test_a_car_that_stays_to_the_end_overlaps_every_later_one(tmp_path: Path, home: Site) -> None:
    text = '[scenario]\nduration = "8:00"\n'
    text += '[[sessions]]\nid = "a"\ncharger = "garage"\narrive = "0:00"\nenergy_kwh = 5\n'
    text += '[[sessions]]\nid = "b"\ncharger = "garage"\narrive = "6:00"\nenergy_kwh = 5\n'
    _, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert "overlaps session 'a' (sessions[0]) on charger 'garage'" in problems[0]
    assert "from 0:00 to the end" in problems[0]


def test_session_ids_must_be_unique(tmp_path: Path, home: Site) -> None:
    session = 'id = "x"\ncharger = "{}"\narrive = "0:00"\nleave = "1:00"\nenergy_kwh = 5\n'
    text = (
        "[[sessions]]\n" + session.format("garage") + "[[sessions]]\n" + session.format("driveway")
    )
    _, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 1
    assert (
        "session 'x' (sessions[1]): id 'x' is also used by session 'x' (sessions[0])"
        in (problems[0])
    )


def test_a_car_model_out_of_range(tmp_path: Path, home: Site) -> None:
    text = '[scenario]\nduration = "1:00"\n[car]\ntaper_soc = 1.5\ndraw_ratio = 0\n'
    _, problems = problems_of(tmp_path, home, text)
    assert len(problems) == 2
    assert problems[0].endswith("[car]: taper_soc must be 1 or less, got 1.5")
    assert problems[1].endswith("[car]: draw_ratio must be more than 0, got 0")


def test_structural_mistakes(tmp_path: Path, home: Site) -> None:
    text = '[[scenario]]\nduration = "1:00"\n[sessions]\ncharger = "garage"\n[[sesions]]\n'
    path, problems = problems_of(tmp_path, home, text)
    assert problems == [
        f"{path}: top level: unknown key 'sesions' (did you mean 'sessions'?)",
        f"{path}: [scenario]: must be a table (object) of keys, got [...]",
        f"{path}: sessions: must be an array of tables: start each session with [[sessions]] "
        "(two brackets)",
    ]


def test_a_toml_syntax_error_names_the_line(tmp_path: Path, home: Site) -> None:
    _, problems = problems_of(tmp_path, home, '[scenario]\nduration = "1:00\n')
    assert len(problems) == 1
    assert "line 2" in problems[0]
    assert "TOML syntax error" in problems[0]


# --- problems in the CSV, each named by file and line ----------------------------------------


def csv_problems(tmp_path: Path, site: Site, rows: str, header: str = HEADER) -> list[str]:
    write(tmp_path, "s.csv", header + rows)
    _, problems = problems_of(tmp_path, site, '[scenario]\nsessions_csv = "s.csv"\n')
    return problems


GOOD_ROW = "ok,CA-315,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,4.2\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "a,CA-3015,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,4\n",
            "line 3 (session 'a'): station_id 'CA-3015' is not a charger of the site "
            "(did you mean 'CA-315'?)",
        ),
        (
            "a,CA-321,2019-03-01 06:20,2019-03-01T07:40:00-08:00,4\n",
            "line 3 (session 'a'): arrival '2019-03-01 06:20' has no UTC offset",
        ),
        (
            "a,CA-321,yesterday,2019-03-01T07:40:00-08:00,4\n",
            "line 3 (session 'a'): arrival must be an ISO 8601 date and time",
        ),
        (
            "a,CA-321,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,lots\n",
            "line 3 (session 'a'): energy_kwh must be a number of kWh, 0 or more, got 'lots'",
        ),
        (
            "a,CA-321,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,-1\n",
            "line 3 (session 'a'): energy_kwh must be a number of kWh, 0 or more, got '-1'",
        ),
        (
            "a,CA-321,2019-03-01T06:20:00-08:00,4\n",
            "line 3: has 4 fields, the header has 5",
        ),
        (
            ",CA-321,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,4\n",
            "line 3: session_id is empty",
        ),
        (
            "ok,CA-321,2019-03-02T06:20:00-08:00,2019-03-02T07:40:00-08:00,4\n",
            "line 3 (session 'ok'): session_id 'ok' is also on line 2",
        ),
        (
            "a,CA-321,2019-03-01T06:20:00-08:00,2019-03-01T06:20:00-08:00,4\n",
            "line 3 (session 'a'): departure 2019-03-01T06:20:00-08:00 is not after arrival "
            "2019-03-01T06:20:00-08:00",
        ),
        (
            "a,CA-315,2019-03-01T07:00:00-08:00,2019-03-01T08:00:00-08:00,4\n",
            "line 3 (session 'a'): overlaps",
        ),
    ],
)
def test_a_bad_csv_row(tmp_path: Path, caltech: Site, row: str, message: str) -> None:
    problems = csv_problems(tmp_path, caltech, GOOD_ROW + "\n" * 0 + row)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'scenario.toml'}: {tmp_path / 's.csv'}, {message}")


def test_an_overlap_in_the_csv_names_both_lines(tmp_path: Path, caltech: Site) -> None:
    row = "a,CA-315,2019-03-01T07:00:00-08:00,2019-03-01T08:00:00-08:00,4\n"
    (problem,) = csv_problems(tmp_path, caltech, GOOD_ROW + row)
    csv_file = tmp_path / "s.csv"
    assert problem.endswith(
        f"{csv_file}, line 3 (session 'a'): overlaps {csv_file}, line 2 (session 'ok') on charger "
        "'CA-315', whose car is there from 2019-03-01T06:20:00-08:00 to "
        "2019-03-01T07:40:00-08:00: a charger holds one car at a time"
    )


def test_every_bad_row_is_listed_and_blank_lines_count(tmp_path: Path, caltech: Site) -> None:
    rows = GOOD_ROW + "\n" + "a,CA-3O8,2019-03-01T06:20:00-08:00,,4\nb,CA-308,x,,y\n"
    problems = csv_problems(tmp_path, caltech, rows)
    csv_file = tmp_path / "s.csv"
    assert [p.split(": ", 2)[1] for p in problems] == [
        f"{csv_file}, line 4 (session 'a')",
        f"{csv_file}, line 5 (session 'b')",
        f"{csv_file}, line 5 (session 'b')",
    ]


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers(
    tmp_path: Path, caltech: Site
) -> None:
    rows = (
        '"two\nlines",CA-315,2019-03-01T06:20:00-08:00,,4\nb,CA-30,2019-03-01T06:20:00-08:00,,4\n'
    )
    (problem,) = csv_problems(tmp_path, caltech, rows)
    assert f"{tmp_path / 's.csv'}, line 4 (session 'b'): station_id 'CA-30'" in problem


def test_a_bad_header(tmp_path: Path, caltech: Site) -> None:
    header = "session_id,station,arrival,departure,energy_kwh\n"
    problems = csv_problems(tmp_path, caltech, GOOD_ROW, header=header)
    where = f"{tmp_path / 'scenario.toml'}: {tmp_path / 's.csv'}, line 1: "
    assert problems == [
        where + "unknown column 'station' (did you mean 'station_id'?)",
        where + "missing column 'station_id': the header must name every one of "
        "session_id,station_id,arrival,departure,energy_kwh",
    ]


def test_an_empty_csv(tmp_path: Path, caltech: Site) -> None:
    problems = csv_problems(tmp_path, caltech, "", header="")
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: {tmp_path / 's.csv'}: the file is empty: it needs a "
        "header session_id,station_id,arrival,departure,energy_kwh"
    ]


def test_a_missing_csv_names_the_key(tmp_path: Path, caltech: Site) -> None:
    _, problems = problems_of(tmp_path, caltech, '[scenario]\nsessions_csv = "nope.csv"\n')
    assert problems == [
        f"{tmp_path / 'scenario.toml'}: [scenario]: sessions_csv 'nope.csv' "
        f"({tmp_path / 'nope.csv'}): file not found: check the path (it is relative to the "
        "scenario file)"
    ]


def test_a_window_with_no_session(tmp_path: Path, caltech: Site) -> None:
    text = f'[scenario]\nsessions_csv = "{CALTECH_CSV}"\nfrom = "2020-01-01T00:00:00Z"\n'
    _, problems = problems_of(tmp_path, caltech, text)
    assert len(problems) == 1
    assert problems[0].endswith(
        f"[scenario]: sessions_csv {CALTECH_CSV} has no session that arrives between from and "
        "until: check their dates"
    )


def test_csv_and_toml_sessions_share_the_checks(tmp_path: Path, caltech: Site) -> None:
    write(tmp_path, "s.csv", HEADER + GOOD_ROW)
    text = """
[scenario]
sessions_csv = "s.csv"

[[sessions]]
id = "ok"
charger = "CA-321"
arrive = "2019-03-01T07:00:00-08:00"
leave = "8:00"
energy_kwh = 5
"""
    _, problems = problems_of(tmp_path, caltech, text)
    assert len(problems) == 1
    assert problems[0].endswith(
        f"{tmp_path / 's.csv'}, line 2 (session 'ok'): id 'ok' is also used by session 'ok' "
        "(sessions[0]): make it unique"
    )


# --- never a traceback ----------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "0:30", "garage", "house", "service", "ampshare_down", "x", "9:99"]),
    st.sampled_from(["2026-11-20T17:00:00-08:00", "2026-11-20T17:00:00", "typical_evening"]),
)
_KEYS = st.sampled_from(
    [
        "charger",
        "arrive",
        "leave",
        "energy_kwh",
        "id",
        "car",
        "at",
        "kind",
        "target",
        "duration",
        "circuit",
        "base_a",
        "spikes",
        "profile",
        "seed",
        "name",
        "start",
        "battery_kwh",
    ]
)
_TABLES = st.dictionaries(_KEYS, _VALUES, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    scenario=_TABLES,
    car=_TABLES,
    sessions=st.lists(_TABLES, max_size=3),
    faults=st.lists(_TABLES, max_size=2),
    households=st.lists(_TABLES, max_size=2),
)
def test_any_document_gives_a_scenario_or_a_config_error(
    scenario: dict[str, object],
    car: dict[str, object],
    sessions: list[dict[str, object]],
    faults: list[dict[str, object]],
    households: list[dict[str, object]],
) -> None:
    site = load_site(HOME)
    data = {
        "scenario": {k: v for k, v in scenario.items() if k in ("name", "start", "duration")},
        "car": car,
        "sessions": sessions,
        "faults": faults,
        "households": households,
    }
    try:
        result = parse_scenario(data, site, Path("fuzz.toml"))
    except ConfigError as exc:
        assert exc.problems
        assert all(line.startswith("fuzz.toml: ") for line in exc.lines())
    else:
        assert result.duration_s > 0


def test_drivers_share_their_needs_when_the_scenario_says_unless_a_session_says_not(
    tmp_path: Path, home: Site
) -> None:
    text = """
[scenario]
drivers_share_needs = true

[[sessions]]
charger = "driveway"
arrive = "0:00"
leave = "8:00"
energy_kwh = 20

[[sessions]]
charger = "garage"
arrive = "1:00"
energy_kwh = 10
shares_needs = false
"""
    scenario = load_text(tmp_path, home, text)
    assert [s.shares_needs for s in scenario.sessions] == [True, False]
    quiet = load_text(tmp_path, home, text.replace("drivers_share_needs = true", ""))
    assert [s.shares_needs for s in quiet.sessions] == [False, False]


def test_drivers_share_needs_must_be_true_or_false(tmp_path: Path, home: Site) -> None:
    text = '[scenario]\ndrivers_share_needs = "yes"\n\n[[sessions]]\ncharger = "driveway"\n'
    text += 'arrive = "0:00"\nenergy_kwh = 5\n'
    _, lines = problems_of(tmp_path, home, text)
    assert any("drivers_share_needs" in line and "[scenario]" in line for line in lines), lines
