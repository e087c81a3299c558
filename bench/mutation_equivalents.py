"""Surviving mutants judged equivalent: the mutated code behaves as the original for every
input the service can give it, so no test can tell them apart.

Keyed by (file under shared/, function as Class.method or function, the mutated line as
`mutmut show` prints it after the change), never by mutmut's numbered name alone, which moves
when the function changes. bench/mutation.py reads this; a survivor not here is unexplained.
"""

EQUIVALENT: dict[tuple[str, str, str], str] = {}
