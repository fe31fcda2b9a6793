"""``{{ form.field|bootstrap_field }}``: a form field drawn as crispy-forms' Bootstrap 5 pack
draws it with ``as_crispy_field`` (wrapper, label or legend, widget, errors, help text, the
same ids, classes and aria attributes), built in Python.

crispy draws each field through a tree of a dozen templates, then Django's widget templates:
the monthly report form (27 fields) spent 86% of its rendering there. Text-like inputs,
checkboxes and radio buttons are drawn here, for forms whose crispy helper (if any) keeps the
pack's defaults; any other widget or helper goes to crispy as before.
payakumbuh_ikm/tests/test_fields.py holds the output to crispy's, element by element.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Widgets drawn as one <input>; the rest (selects, files, textareas, hidden, multiwidgets) go to crispy.
INPUTS = (forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput)


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def _input(bound, extra_class: str) -> str:
    """The widget's <input>, with crispy's classes (the widget's class name, then ``extra_class``)."""
    widget = bound.field.widget
    own = widget.attrs.get("class", "")
    name = type(widget).__name__.lower()
    classes = (f"{own} {name}" if name not in own else own) if own else name
    for css in extra_class.split():
        if css not in classes.split():
            classes += f" {css}"
    attrs = {**widget.attrs, "class": classes}
    attrs.update(bound.build_widget_attrs({}, widget))
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    value = "" if context["value"] is None else f' value="{conditional_escape(context["value"])}"'
    return f'<input type="{context["type"]}" name="{conditional_escape(context["name"])}"{value}{_attrs(context["attrs"])}>'


def _label_text(bound) -> str:
    star = '<span class="asteriskField">*</span>' if bound.field.required else ""
    return f"{conditional_escape(bound.label)}{star}"


def _drawn_here(form) -> bool:
    """Whether the form's crispy helper (if any) leaves the field's drawing to the pack's defaults:
    anything else (horizontal forms, label or field classes, a field template...) goes to crispy."""
    helper = getattr(form, "helper", None)
    if helper is None:
        return True
    return (
        helper.form_show_labels
        and helper.form_show_errors
        and not helper.help_text_inline
        and not (helper.attrs or getattr(helper, "_form_action", "") or helper.form_id or helper.form_class)
        and not (helper.label_class or helper.field_class or helper.field_template)
        and not any(getattr(helper, name, None) for name in ("wrapper_class", "tag", "inline_class", "form_group_wrapper_class"))
    )


def _error_tag(form) -> str:
    """crispy writes a field's errors in <span>s when the helper says they are inline (its
    default), in <p>s without a helper."""
    helper = getattr(form, "helper", None)
    return "span" if helper is not None and helper.error_text_inline else "p"


def _errors(bound, tag: str) -> str:
    if not bound.errors:
        return ""
    items = "".join(
        f'<{tag} id="error_{n}_{bound.auto_id}"><strong>{conditional_escape(error)}</strong></{tag}>'
        for n, error in enumerate(bound.errors, 1)
    )
    return f'<div id="{bound.auto_id}_error" class="invalid-feedback">{items}</div>'


def _help(bound) -> str:
    if not bound.help_text:
        return ""
    ident = f'id="{bound.auto_id}_helptext" ' if bound.auto_id else ""
    return f'<div {ident}class="form-text">{bound.help_text}</div>'


def _wrapper_class(bound, base: str) -> str:
    extra = bound.css_classes()
    return f"{base} {extra}" if extra else base


def _checkbox(bound) -> str:
    required = " requiredField" if bound.field.required else ""
    return (
        f'<div class="mb-3"><div id="div_{bound.auto_id}" class="{_wrapper_class(bound, "form-check")}">'
        f"{_input(bound, 'form-check-input is-invalid' if bound.errors else 'form-check-input')}"
        f'<label for="{bound.id_for_label}" class="form-check-label{required}">{_label_text(bound)}</label>'
        f"{_errors(bound, _error_tag(bound.form))}{_help(bound)}</div></div>"
    )


def _radios(bound) -> str:
    widget = bound.field.widget
    ident = widget.attrs.get("id") or bound.auto_id
    attrs = bound.build_widget_attrs({"id": ident} if ident else {})
    invalid = " is-invalid" if bound.errors else ""
    options = [
        option
        for _group, group_options, _index in widget.optgroups(bound.html_name, widget.format_value(bound.value()), attrs)
        for option in group_options
    ]
    drawn = []
    for number, option in enumerate(options, 1):
        errors = _errors(bound, "p") if number == len(options) else ""
        drawn.append(
            f'<div class="form-check"><input type="{option["type"]}" class="form-check-input{invalid}" '
            f'name="{conditional_escape(bound.html_name)}" value="{conditional_escape(option["value"])}"'
            f"{_attrs(option['attrs'])}>"
            f'<label for="{option["attrs"]["id"]}" class="form-check-label">{conditional_escape(option["label"])}</label>'
            f"{errors}</div>"
        )
    return "<div>" + "".join(drawn) + "</div>" + _help(bound)


@register.filter
def bootstrap_field(bound):
    # Safe to mark (the nosec lines below): every label, value, error and attribute above went
    # through conditional_escape; ids and classes come from the form's own field names and
    # widgets; help texts are written as crispy writes them, unescaped (the code's own strings).
    widget = bound.field.widget
    drawable = isinstance(widget, (*INPUTS, forms.CheckboxInput, forms.RadioSelect))
    if bound.is_hidden or not drawable or isinstance(widget, forms.CheckboxSelectMultiple) or not _drawn_here(bound.form):
        return as_crispy_field(bound)
    if isinstance(widget, forms.CheckboxInput):
        return mark_safe(_checkbox(bound))  # nosec B308 B703: escaped as said above
    required = " requiredField" if bound.field.required else ""
    wrapper = _wrapper_class(bound, "mb-3")
    if isinstance(widget, forms.RadioSelect):
        if not bound.label:
            return mark_safe(f'<div id="div_{bound.auto_id}" class="{wrapper}">{_radios(bound)}</div>')  # nosec B308 B703
        described = format_html(' aria-describedby="{}"', bound.aria_describedby) if bound.aria_describedby else ""
        return mark_safe(  # nosec B308 B703: escaped as said above
            f'<div id="div_{bound.auto_id}" class="{wrapper}"><fieldset{described}>'
            f'<legend class="form-label{required} fs-6">{_label_text(bound)}</legend>'
            f"{_radios(bound)}</fieldset></div>"
        )
    label = (
        f'<label for="{bound.id_for_label}" class="form-label{required}">{_label_text(bound)}</label>'
        if bound.label and bound.id_for_label
        else (f'<label class="form-label{required}">{_label_text(bound)}</label>' if bound.label else "")
    )
    control = _input(bound, "form-control is-invalid" if bound.errors else "form-control")
    return mark_safe(  # nosec B308 B703: escaped as said above
        f'<div id="div_{bound.auto_id}" class="{wrapper}">{label}{control}{_errors(bound, _error_tag(bound.form))}{_help(bound)}</div>'
    )
