"""Operators set each jurisdiction's response deadlines here. Referrals themselves are
person-level data and never appear in the admin (it would be a door around the policy)."""

from django.contrib import admin

from carecircle.referrals.models import ResponseDeadline


@admin.register(ResponseDeadline)
class ResponseDeadlineAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "urgency", "hours", "business_days", "escalate_after_hours"]
    list_filter = ["jurisdiction", "urgency"]
    ordering = ["jurisdiction__name", "urgency"]
