"""Segment customers in a few lines: the Mall data if present, else synthetic data.

Run: python examples/quickstart_segment.py [PATH/TO/Mall_Customers.csv]
"""

import sys
from pathlib import Path

from segmentation import make_customers, segment
from segmentation.report import persona_table

default = Path(__file__).resolve().parents[1].parent / "shared/data/Mall_Customers.csv"
path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
data = path if path.is_file() else make_customers(200, random_state=0)

result = segment(data, ["age", "income", "spending"], k="auto", random_state=0)
print(result.selection.reason)
print(persona_table(result))
for persona in result.personas:
    print(f"\n{persona.name}: {persona.description}")
    for action in persona.actions:
        print(f"  - {action}")
