"""How ampshare reaches real devices: the two small interfaces (interfaces.py) and one adapter
package per protocol family. Adapters translate at the edge; the loop knows no protocol."""
