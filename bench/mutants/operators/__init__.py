"""The mutation operators, one module each; ``REGISTRY`` holds one instance of each, in this order."""
from __future__ import annotations

from .cast_to_int import CastToInt
from .drop_watch import DropWatch
from .float_loss import FloatLoss
from .hard_decision import HardDecision
from .hoist_before_tape import HoistBeforeTape
from .int_variable import IntVariable
from .late_variable_list import LateVariableList
from .loss_after_tape import LossAfterTape
from .metric_as_loss import MetricAsLoss
from .numpy_function_loss import NumpyFunctionLoss
from .numpy_functions import NumpyFunctions
from .predict_in_tape import PredictInTape
from .rebind_update import RebindUpdate
from .round_on_path import RoundOnPath
from .second_forward_pass import SecondForwardPass
from .tensor_to_numpy import TensorToNumpy
from .unwatch_variables import UnwatchVariables
from .variable_from_value import VariableFromValue

REGISTRY = [cls() for cls in (
    HoistBeforeTape, LossAfterTape, NumpyFunctions, TensorToNumpy, FloatLoss, NumpyFunctionLoss,
    PredictInTape, RoundOnPath, HardDecision, CastToInt, VariableFromValue, MetricAsLoss, IntVariable,
    DropWatch, UnwatchVariables, RebindUpdate, LateVariableList, SecondForwardPass)]


def get(name: str):
    for op in REGISTRY:
        if op.NAME == name:
            return op
    raise KeyError(name)
