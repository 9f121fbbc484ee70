"""Password rules beyond Django's own (等保2.0: complexity of identification credentials)."""

from django.core.exceptions import ValidationError


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, capitals, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple", params={})

    def get_help_text(self):
        return f"密码须至少包含小写字母、大写字母、数字、符号四类中的 {self.min_classes} 类。"
