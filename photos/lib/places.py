"""Place names from coordinates, and coordinates from place names, with the offline reverse
geocoder (GeoNames cities in the reverse_geocode package, pinned). No Django.

The same rule as suggestions' trips: the nearest town of TOWN_POPULATION within
TOWN_RADIUS_KM, else the nearest place of any size. Search goes the other way: a city's
name gives its position (photos within CITY_RADIUS_KM of it), a country's name its code.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TOWN_POPULATION = 15_000
TOWN_RADIUS_KM = 20
CITY_RADIUS_KM = 15
DISTRICT = re.compile(r"\s+\d{1,2}$")  # "Lyon 03", "Paris 11"


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    country_code: str

    def __str__(self):
        return ", ".join(part for part in (self.city, self.country) if part)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=2)
def _geocoder(min_population: int):
    # Builds a k-d tree of ~30,000 places: once per process, on first use.
    import reverse_geocode

    return reverse_geocode.GeocodeData(min_population)


def place_names(points: dict[int, tuple[float, float]]) -> dict[int, Place]:
    """Key -> Place for each (latitude, longitude); points with no named place are left out."""
    if not points:
        return {}
    rounded = {key: (round(lat, 2), round(lon, 2)) for key, (lat, lon) in points.items()}
    unique = sorted(set(rounded.values()))
    nearest = _geocoder(0).query(unique)
    towns = _geocoder(TOWN_POPULATION).query(unique)
    found = {}
    for point, near, town in zip(unique, nearest, towns, strict=True):
        close = haversine_km(point, (town["latitude"], town["longitude"])) <= TOWN_RADIUS_KM
        found[point] = town if close else near
    names = {}
    for key, point in rounded.items():
        hit = found[point]
        if hit.get("city"):
            city = DISTRICT.sub("", hit["city"])
            names[key] = Place(city, hit.get("country", ""), hit.get("country_code", ""))
    return names


def place_name(latitude, longitude) -> Place | None:
    if latitude is None or longitude is None:
        return None
    return place_names({0: (latitude, longitude)}).get(0)


def fold(text: str) -> str:
    """Lower case without accents: "Lisboa", "lisboa" and "LISBOA" are one word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@lru_cache(maxsize=1)
def _index():
    """Folded city name -> [(population, latitude, longitude, name, country code)], and
    folded country name -> (code, name)."""
    data = _geocoder(0)
    cities: dict[str, list] = {}
    for loc in data._locations:  # the package's own table; no public accessor
        name = DISTRICT.sub("", loc["city"])
        cities.setdefault(fold(name), []).append(
            (loc["population"], loc["latitude"], loc["longitude"], name, loc["country_code"])
        )
    for rows in cities.values():
        rows.sort(reverse=True)
    countries = {fold(name): (code, name) for code, name in data._countries.items() if name}
    return cities, countries


def find_city(text: str) -> tuple[str, str, float, float] | None:
    """(name, country code, latitude, longitude) of the most populous city of that name."""
    rows = _index()[0].get(fold(text))
    if not rows:
        return None
    _, lat, lon, name, code = rows[0]
    return name, code, lat, lon


def find_country(text: str) -> tuple[str, str] | None:
    """(country code, name) for a country's English name."""
    return _index()[1].get(fold(text))


def complete(prefix: str, limit: int = 5) -> list[str]:
    """Place names that start with `prefix` (countries, then cities by population)."""
    key = fold(prefix)
    if len(key) < 2:
        return []
    cities, countries = _index()
    found = sorted(
        ((rows[0][0], rows[0][3]) for name, rows in cities.items() if name.startswith(key)),
        reverse=True,
    )
    # Countries first: a handful at most, and each one names more photos than a town.
    names = [name for folded, (_, name) in sorted(countries.items()) if folded.startswith(key)]
    names += [name for _, name in found[:limit]]
    return list(dict.fromkeys(names))[:limit]


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a point: an index-friendly prefilter."""
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
