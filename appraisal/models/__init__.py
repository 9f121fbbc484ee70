from .case import Case, CaseLog, CaseState, Round
from .document import IssuedDocument, SerialCounter
from .draw import Draw, DrawCommitment, Seat
from .indicators import IndicatorDimension, IndicatorSign, IndicatorTemplate
from .material import Material, MaterialKind
from .seal import BureauSeal

__all__ = [
    "BureauSeal",
    "IndicatorDimension",
    "IndicatorSign",
    "IndicatorTemplate",
    "Case",
    "Draw",
    "DrawCommitment",
    "Seat",
    "CaseLog",
    "CaseState",
    "IssuedDocument",
    "Material",
    "MaterialKind",
    "Round",
    "SerialCounter",
]
