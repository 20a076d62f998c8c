"""The MQTT adapter's error tree: MqttDeviceError is its root."""

from __future__ import annotations


class MqttDeviceError(Exception):
    """Root of every error raised by ampshare.devices.mqtt."""


class PayloadError(MqttDeviceError):
    """A message that does not say what its topic should: the words say what is wrong."""


class BrokerSettingsError(MqttDeviceError):
    """The [mqtt] table cannot be used to connect (a CA file that cannot be read, say)."""
