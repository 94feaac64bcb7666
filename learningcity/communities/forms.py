from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.communities.choices import (
    Availability,
    OrganizationType,
    ReviewOutcome,
    TeachingLanguage,
    TeamTopic,
)
from learningcity.communities.models import Award
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area, LearningSite


def _towns() -> Any:
    return Area.objects.filter(level=AreaLevel.TOWN).select_related("parent").order_by("path")


def _districts() -> Any:
    return Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.level == AreaLevel.TOWN and obj.parent is not None:
            return f"{obj.parent.name} · {obj.name}"
        return str(obj.name)


class TeamFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=100, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("Any topic")), *TeamTopic.choices]
    )
    town = forms.ChoiceField(label=_("Town or subdistrict"), required=False)
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    accessible_toilet = forms.BooleanField(label=_("Accessible toilet"), required=False)
    hearing_loop = forms.BooleanField(label=_("Hearing loop"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [  # type: ignore[attr-defined]
            ("", _("Any district")),
            *[(a.code, a.name) for a in _districts()],
        ]
        groups: dict[str, list[tuple[str, str]]] = {}
        for town in _towns():
            district = town.parent.name if town.parent else ""
            groups.setdefault(district, []).append((town.code, town.name))
        self.fields["town"].choices = [  # type: ignore[attr-defined]
            ("", _("Any town")),
            *groups.items(),
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"] or None,
            "district_code": data["district"] or None,
            "topic": data["topic"] or None,
            "town_code": data["town"] or None,
            "step_free": True if data["step_free"] else None,
            "accessible_toilet": True if data["accessible_toilet"] else None,
            "hearing_loop": True if data["hearing_loop"] else None,
        }


class TeamForm(forms.Form):
    name_zh = forms.CharField(label=_("Team name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Team name (English)"), max_length=150, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=TeamTopic.choices)
    town = AreaChoiceField(label=_("Town or subdistrict"), queryset=Area.objects.none())
    site = forms.ModelChoiceField(
        label=_("Meeting site"),
        queryset=LearningSite.objects.none(),
        required=False,
        help_text=_("A learning site of the town, if the team meets at one."),
    )
    meeting_place = forms.CharField(
        label=_("Or another meeting place"),
        max_length=200,
        required=False,
        help_text=_("For example: the garden of Building 5."),
    )
    schedule = forms.CharField(
        label=_("When the team meets"),
        max_length=200,
        help_text=_("For example: every Wednesday 9:00 to 11:00."),
    )
    description = forms.CharField(
        label=_("About the team"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, town: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = _towns()  # type: ignore[attr-defined]
        sites = LearningSite.objects.none()
        if town is not None:
            self.fields["town"].initial = town.pk
            sites = LearningSite.objects.filter(
                is_active=True, area__path__startswith=town.path
            ).order_by("id")
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    held_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="YYYY-MM-DD",
    )
    title = forms.CharField(label=_("What the team did"), max_length=150)
    description = forms.CharField(
        label=_("More about it"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attendees = forms.IntegerField(label=_("People who came"), min_value=0, max_value=10000)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG or PNG photo of at most 3 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    photo_description = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("A few words for those who cannot see the photo."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the team")), ("reject", _("Do not approve"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you do not approve; the founder reads it."),
    )


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("Comments"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VolunteerForm(forms.Form):
    display_name = forms.CharField(label=_("Name shown to schools"), max_length=60)
    skills = forms.CharField(label=_("What I can teach"), max_length=300)
    bio = forms.CharField(
        label=_("About me"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3})
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages I teach in"),
        choices=TeachingLanguage.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label=_("When I can teach"),
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.MultipleChoiceField(
        label=_("Districts where I can teach"), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Open to invitations"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["districts"].choices = [  # type: ignore[attr-defined]
            (a.code, a.name) for a in _districts()
        ]


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Every type")), *OrganizationType.choices],
    )


class VolunteerSearchForm(forms.Form):
    q = forms.CharField(label=_("Skill or words"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), *TeachingLanguage.choices],
    )
    availability = forms.ChoiceField(
        label=_("When"), required=False, choices=[("", _("Any time")), *Availability.choices]
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [  # type: ignore[attr-defined]
            ("", _("Any district")),
            *[(a.code, a.name) for a in _districts()],
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"] or None,
            "language": data["language"] or None,
            "availability": data["availability"] or None,
            "district_code": data["district"] or None,
        }


class InviteForm(forms.Form):
    inviter = forms.ChoiceField(label=_("Invite for"))
    subject = forms.CharField(label=_("What to teach"), max_length=150)
    message = forms.CharField(
        label=_("Message"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, inviters: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inviter"].choices = inviters  # type: ignore[attr-defined]


class HoursForm(forms.Form):
    taught_on = forms.DateField(
        label=_("Date taught"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="YYYY-MM-DD",
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.1"), max_value=Decimal(12), decimal_places=1
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RecognitionForm(forms.Form):
    organization_type = forms.ChoiceField(label=_("Type"), choices=OrganizationType.choices)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=150)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    area = AreaChoiceField(label=_("District or town"), queryset=Area.objects.none())
    statement = forms.CharField(
        label=_("How the organization learns"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Address each published criterion."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.filter(level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN])
            .select_related("parent")
            .order_by("path")
        )


class NominationReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("award", _("Give the award")), ("decline", _("Do not give the award"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NominationForm(forms.Form):
    award = forms.ModelChoiceField(label=_("Award"), queryset=Award.objects.none())
    story = forms.CharField(
        label=_("Story"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the member learned and how it inspires others."),
    )

    def __init__(self, *args: Any, awards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["award"].queryset = awards  # type: ignore[attr-defined]
