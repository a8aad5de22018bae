"""The codemods, in the order the pipeline composes them."""

from __future__ import annotations

from gradfix.codemods.assign_loop import AssignLoopToList
from gradfix.codemods.base import Codemod
from gradfix.codemods.build_once import BuildOnce
from gradfix.codemods.cast_to_float import CastToFloat
from gradfix.codemods.custom_gradient_variables import CustomGradientVariables
from gradfix.codemods.derived_property import DerivedProperty
from gradfix.codemods.drop_stop_gradient import DropStopGradient
from gradfix.codemods.float_source import FloatSource
from gradfix.codemods.freeze_int_state import FreezeIntState
from gradfix.codemods.hoist_into_tape import HoistIntoTape
from gradfix.codemods.late_variable_list import LateVariableList
from gradfix.codemods.loss_closure import LossClosure
from gradfix.codemods.map_into_step import MapIntoStep
from gradfix.codemods.metric_to_loss import MetricToLoss
from gradfix.codemods.model_losses import AddModelLosses
from gradfix.codemods.numpy_to_tf import NumpyToTf
from gradfix.codemods.one_forward_pass import OneForwardPass
from gradfix.codemods.predict_to_call import PredictToCall
from gradfix.codemods.read_watched_copy import ReadWatchedCopy
from gradfix.codemods.rebind_to_assign import RebindToAssign
from gradfix.codemods.scatter_to_mask import ScatterToMask
from gradfix.codemods.soft_surrogate import SoftSurrogate
from gradfix.codemods.state_tensor import StateToTensor
from gradfix.codemods.straight_through import StraightThrough
from gradfix.codemods.target_into_tape import TargetIntoTape
from gradfix.codemods.trainable_sources import TrainableSources
from gradfix.codemods.unfreeze_for_step import UnfreezeForStep
from gradfix.codemods.unused_bias import UnusedBias
from gradfix.codemods.watch_tensor import WatchTensor
from gradfix.codemods.watch_variable import WatchVariable

REGISTRY: tuple[Codemod, ...] = (
    HoistIntoTape(), MapIntoStep(), LossClosure(), TargetIntoTape(), PredictToCall(), NumpyToTf(), ReadWatchedCopy(), OneForwardPass(), WatchTensor(), WatchVariable(),
    TrainableSources(), UnfreezeForStep(), LateVariableList(), BuildOnce(), DerivedProperty(), CustomGradientVariables(), MetricToLoss(), DropStopGradient(), RebindToAssign(), ScatterToMask(), AssignLoopToList(), StateToTensor(),
    StraightThrough(), FloatSource(), FreezeIntState(), CastToFloat(), SoftSurrogate(), UnusedBias(), AddModelLosses(),
)


def all_codemods() -> tuple[Codemod, ...]:
    return REGISTRY


def get(name: str) -> Codemod:
    """The codemod called ``name``; KeyError when there is none."""
    for codemod in REGISTRY:
        if codemod.NAME == name:
            return codemod
    raise KeyError(name)
