"""The mutation operators, one module each; ``REGISTRY`` holds one instance of each, in this order."""
from __future__ import annotations

from .hoist_before_tape import HoistBeforeTape
from .loss_after_tape import LossAfterTape
from .numpy_functions import NumpyFunctions
from .tensor_to_numpy import TensorToNumpy
from .float_loss import FloatLoss
from .numpy_function_loss import NumpyFunctionLoss
from .predict_in_tape import PredictInTape
from .round_on_path import RoundOnPath
from .hard_decision import HardDecision
from .cast_to_int import CastToInt
from .variable_from_value import VariableFromValue
from .metric_as_loss import MetricAsLoss
from .int_variable import IntVariable
from .drop_watch import DropWatch
from .unwatch_variables import UnwatchVariables
from .rebind_update import RebindUpdate
from .late_variable_list import LateVariableList
from .second_forward_pass import SecondForwardPass

REGISTRY = [cls() for cls in (
    HoistBeforeTape, LossAfterTape, NumpyFunctions, TensorToNumpy, FloatLoss, NumpyFunctionLoss,
    PredictInTape, RoundOnPath, HardDecision, CastToInt, VariableFromValue, MetricAsLoss, IntVariable,
    DropWatch, UnwatchVariables, RebindUpdate, LateVariableList, SecondForwardPass)]


def get(name: str):
    for op in REGISTRY:
        if op.NAME == name:
            return op
    raise KeyError(name)
