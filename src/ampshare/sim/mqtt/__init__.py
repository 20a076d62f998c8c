"""Simulated MQTT devices that speak exactly as the real ones: an OpenEVSE unit (WiFi firmware
v4/v5) and Shelly meters (Gen1 EM, Gen2 Pro 3EM), and a local broker to run them on."""
