"""MQTT devices: OpenEVSE chargers, Shelly (Gen1 EM, Gen2 Pro 3EM) and generic meters, and
ampshare's own state, all over one broker connection (aiomqtt). See bridge.py."""

from ampshare.devices.mqtt.bridge import MqttBridge

__all__ = ["MqttBridge"]
