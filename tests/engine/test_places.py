"""The places directory: labels people recognise, brand and city filters, attributes of the newest release."""

from __future__ import annotations

from dashboard.engine.places import Place, filter_places, labels, place_directory, place_label
from dashboard.store.catalog import Store

A = Place("p1", "FreshCo Elm St", "FreshCo", "Boston", "Grocery Stores", "NE")
B = Place("p2", "Corner Gym", None, None, "Fitness Centers", "W")
C = Place("p3", "FreshCo Elm St", "FreshCo", "Boston", "Grocery Stores", "NE")


def test_label_reads_name_brand_city_and_falls_back_to_region():
    assert place_label(A) == "FreshCo Elm St — FreshCo, Boston"
    assert place_label(B) == "Corner Gym — (independent), W"


def test_labels_are_unique_even_for_twin_places():
    got = labels([A, B, C])
    assert len(set(got.values())) == 3
    assert got["p1"].endswith("(p1)") and got["p3"].endswith("(p3)") and got["p2"] == place_label(B)


def test_filters_by_brand_and_city_and_empty_filters_keep_all():
    assert filter_places([A, B, C]) == [A, B, C]
    assert filter_places([A, B, C], brands=["(independent)"]) == [B]
    assert filter_places([A, B, C], cities=["Boston"]) == [A, C]
    assert filter_places([A, B, C], brands=["FreshCo"], cities=["(no city)"]) == []


def test_directory_lists_places_of_both_releases_with_the_newest_attributes(app_files):
    store = Store(app_files["home"])
    places = {p.place_id: p for p in place_directory(store, ["r1", "r2"])}
    assert set(places) == {"p1", "p2", "p3", "p4", "p5", "p6", "p7"}  # p7 only in the candidate
    assert places["p6"] == Place("p6", "PacificFit p6", "PacificFit", None, "Fitness Centers", "W")
    assert [p.place_id for p in place_directory(store, ["r1"])] == ["p1", "p2", "p5", "p6", "p3", "p4"]  # by label


def test_the_engine_narrows_the_directory_as_filter_places_does(app_files):
    """A big pair's picker asks the engine for the narrowed places only: the same places as narrowing the
    whole directory in Python, at most ``limit`` of them, plus those a link picked by label or id."""
    from dashboard.engine.places import directory_filters

    store = Store(app_files["home"])
    every = place_directory(store, ["r1", "r2"])
    brands, cities = directory_filters(store, ["r1", "r2"])
    assert brands == sorted({p.brand_label for p in every}) and cities == sorted({p.city_label for p in every})
    for b, c in [(["PacificFit"], []), (["(independent)"], []), ([], ["(no city)"]), (["FreshCo", "ValueMart"], []),
                 (["FreshCo"], ["Boston"])]:
        assert place_directory(store, ["r1", "r2"], b, c) == filter_places(every, b, c)
    assert len(place_directory(store, ["r1", "r2"], [], [], limit=2)) == 2
    label_of = labels(every)
    picked = place_directory(store, ["r1", "r2"], ["PacificFit"], [], limit=1, picked=[label_of["p3"], "p5"])
    assert [p.place_id for p in picked] == sorted(["p6", "p3", "p5"], key=lambda i: label_of[i].casefold())
