from .returns import normalized_returns, reward_to_go

__all__ = ["normalized_returns", "reward_to_go"]
