from django.contrib import admin

from .models import Category, Sentra


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "position"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["kbli"]


@admin.register(Sentra)
class SentraAdmin(admin.ModelAdmin):
    list_display = ["name", "kecamatan", "kelurahan", "category"]
    list_select_related = ["kecamatan", "kelurahan", "category"]
    prepopulated_fields = {"slug": ["name"]}
