from .case import Case, CaseLog, CaseState, Round
from .document import IssuedDocument, SerialCounter
from .material import Material, MaterialKind

__all__ = [
    "Case",
    "CaseLog",
    "CaseState",
    "IssuedDocument",
    "Material",
    "MaterialKind",
    "Round",
    "SerialCounter",
]
