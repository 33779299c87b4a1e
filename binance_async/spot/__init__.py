"""Binance Spot REST API: `SpotClient`, its endpoint table and its response models."""

from .client import SpotClient

__all__ = ["SpotClient"]
