"""Operators manage partners here. Person-level data is never registered in the admin: it
would be a door around the privacy policy and the audit trail."""

from django.contrib import admin

from carecircle.partners.models import Jurisdiction, Membership, Organization


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region", "privacy_regime", "suppression_threshold"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "jurisdiction", "parent", "is_active"]
    list_filter = ["sector", "jurisdiction"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["role", "organization__sector"]
    search_fields = ["user__username", "organization__name"]
