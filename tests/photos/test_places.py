"""photos/lib/places.py and photos/lib/labels.py, without a database."""

from photos.lib.labels import plain_label
from photos.lib.places import Place, complete, find_city, find_country, fold, place_name


def test_it_names_the_town_a_photo_was_taken_in():
    assert place_name(38.7139, -9.1394) == Place("Lisbon", "Portugal", "PT")
    assert str(place_name(48.8566, 2.3522)) == "Paris, France"  # not "Paris 04"
    assert place_name(None, 2.35) is None


def test_it_finds_cities_and_countries_by_name_whatever_the_case_and_accents():
    name, code, lat, lon = find_city("LISBON")
    assert (name, code) == ("Lisbon", "PT")
    assert abs(lat - 38.71) < 0.1 and abs(lon + 9.14) < 0.1
    assert find_city("São Paulo")[1] == "BR"
    assert find_city("sao paulo")[1] == "BR"
    assert find_country("portugal") == ("PT", "Portugal")
    assert find_city("Nowhereville") is None and find_country("Atlantis") is None
    assert fold("Zürich") == "zurich"


def test_it_completes_place_names_by_population():
    assert complete("lisb")[0] == "Lisbon"
    assert "Portugal" in complete("portu")
    assert complete("l") == []


def test_labels_read_as_plain_words():
    assert plain_label("tabby, tabby cat") == "tabby"
    assert plain_label("Windsor tie") == "Windsor tie"
    assert plain_label("golden_retriever") == "golden retriever"
