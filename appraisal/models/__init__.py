from .calendar import HolidayCalendarYear, OfficialDay
from .case import Case, CaseLog, CaseState, Round
from .document import IssuedDocument, SerialCounter
from .draw import Draw, DrawCommitment, Seat
from .indicators import IndicatorDimension, IndicatorSign, IndicatorTemplate
from .material import Material, MaterialKind
from .rereview import RereviewRequest
from .review import (
    ActivityFile,
    Decision,
    Opinion,
    ReviewActivity,
    ReviewSheet,
    SheetAnswer,
    Signature,
)
from .seal import BureauSeal
from .transparency import LogEntry, LogHead

__all__ = [
    "ActivityFile",
    "Decision",
    "Opinion",
    "ReviewActivity",
    "ReviewSheet",
    "SheetAnswer",
    "Signature",
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
    "RereviewRequest",
    "HolidayCalendarYear",
    "OfficialDay",
    "SerialCounter",
    "LogEntry",
    "LogHead",
]
