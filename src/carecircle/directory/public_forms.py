"""The Find help search form: plain GET fields, so it works without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.directory import geo, taxonomy
from carecircle.directory.search import SearchQuery

RADIUS_CHOICES_KM = (2, 5, 10, 20, 50, 100)
DEFAULT_RADIUS_KM = 20
#: Languages a person can ask for (ISO 639-1), besides the ones the site is written in.
LANGUAGE_CODES = ("en", "fr", "es", "ar", "zh", "pa", "tl", "vi", "pt", "uk", "so", "cr", "oj")
_LANGUAGE_NAMES = {
    "en": _("English"),
    "fr": _("French"),
    "es": _("Spanish"),
    "ar": _("Arabic"),
    "zh": _("Chinese"),
    "pa": _("Punjabi"),
    "tl": _("Tagalog"),
    "vi": _("Vietnamese"),
    "pt": _("Portuguese"),
    "uk": _("Ukrainian"),
    "so": _("Somali"),
    "cr": _("Cree"),
    "oj": _("Ojibwe"),
}
#: "How it works" checkboxes: the approach terms (free has its own box, which also reads costs).
APPROACH_CHOICES = tuple(c for c in taxonomy.APPROACH_CODES if c != taxonomy.LOW_BARRIER_FREE)


def language_name(code: str | None, fallback: str | None = None) -> str:
    if not code:
        return fallback or ""
    name = _LANGUAGE_NAMES.get(code.lower().split("-")[0])
    return str(name) if name is not None else (fallback or code)


class FindHelpForm(forms.Form):
    q = forms.CharField(
        label=_("Search words"),
        required=False,
        max_length=200,
        help_text=_("For example: buprenorphine, naloxone, shelter."),
    )
    what = forms.ChoiceField(label=_("Type of help"), required=False)
    near = forms.CharField(
        label=_("Near"),
        required=False,
        max_length=60,
        help_text=_("A postal code, or latitude and longitude such as 41.59, -93.62."),
    )
    radius = forms.TypedChoiceField(
        label=_("Distance"),
        required=False,
        coerce=int,
        empty_value=None,
        initial=DEFAULT_RADIUS_KM,
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    capacity = forms.BooleanField(label=_("Has space now"), required=False)
    free = forms.BooleanField(label=_("Free"), required=False)
    telehealth = forms.BooleanField(label=_("By phone or video"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    population = forms.ChoiceField(label=_("For"), required=False)
    approach = forms.MultipleChoiceField(
        label=_("How it works"), required=False, widget=forms.CheckboxSelectMultiple
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = taxonomy.term_label
        fields: dict[str, Any] = self.fields
        fields["what"].choices = [("", _("Any type of help"))] + [
            (code, label(code)) for code in taxonomy.SERVICE_TYPE_CODES
        ]
        fields["radius"].choices = [
            (km, _("Within %(km)s km") % {"km": km}) for km in RADIUS_CHOICES_KM
        ]
        fields["language"].choices = [("", _("Any language"))] + [
            (code, language_name(code)) for code in LANGUAGE_CODES
        ]
        fields["population"].choices = [("", _("Anyone"))] + [
            (code, label(code)) for code in taxonomy.POPULATION_CODES
        ]
        fields["approach"].choices = [(code, label(code)) for code in APPROACH_CHOICES]

    def clean_near(self) -> tuple[float, float] | str:
        raw: str = self.cleaned_data.get("near", "").strip()
        if not raw:
            return ""
        try:
            point = geo.parse_point(raw)
        except ValueError:
            raise forms.ValidationError(
                _("Latitude must be between -90 and 90 and longitude between -180 and 180."),
                code="point",
            ) from None
        if point is not None:
            return point
        try:
            geo.postal_code_lookup(raw)
        except ValueError:
            raise forms.ValidationError(
                _("We do not know the postal code “%(code)s”. Check it, or try a nearby one."),
                code="postal_code",
                params={"code": raw},
            ) from None
        return raw

    def search_query(self, *, reveal_confidential: bool = False) -> SearchQuery:
        """The valid form as a search; call after ``is_valid()``."""
        data = self.cleaned_data
        near = data.get("near") or ""
        codes = [c for c in (data.get("what"), data.get("population")) if c]
        codes += list(data.get("approach") or [])
        has_place = bool(near)
        return SearchQuery(
            text=data.get("q") or "",
            term_codes=tuple(codes),
            near=near if isinstance(near, tuple) else None,
            postal_code=near if isinstance(near, str) else "",
            radius_km=float(data.get("radius") or DEFAULT_RADIUS_KM) if has_place else None,
            open_now=bool(data.get("open_now")),
            capacity_available=bool(data.get("capacity")),
            languages=(data["language"],) if data.get("language") else (),
            free_only=bool(data.get("free")),
            telehealth=bool(data.get("telehealth")),
            reveal_confidential=reveal_confidential,
        )
