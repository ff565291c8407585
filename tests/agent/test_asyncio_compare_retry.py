"""The test_asyncio comparison's judgement, with the suite runs replaced: a module failing in
one mode only is run again alone, and only a difference that stays fails the comparison."""

import unittest

import test_asyncio_compare as compare_mod


def summary(failed):
    if not failed:
        return "== Tests result: SUCCESS ==\nResult: SUCCESS\n"
    return "%d tests failed:\n    %s\n\nResult: FAILURE\n" % (len(failed), " ".join(sorted(failed)))


class Runs:
    """Answers run_suite from a script: (traced, tests) -> list of failed-module sets, in turn."""

    def __init__(self, script):
        self.script = {k: list(v) for k, v in script.items()}
        self.calls = []

    def __call__(self, python, traced, tests=("test_asyncio",)):
        key = (traced, tuple(tests))
        self.calls.append(key)
        failed = self.script[key].pop(0)
        return (1 if failed else 0), summary(failed)


class ComparisonJudgement(unittest.TestCase):
    def judge(self, script):
        runs = Runs(script)
        saved = compare_mod.run_suite
        compare_mod.run_suite = runs
        try:
            same, message = compare_mod.compare("python3", log=lambda text: None)
        finally:
            compare_mod.run_suite = saved
        return same, message, runs.calls

    def test_the_failed_block_ends_at_the_blank_line(self):
        out = ("2 tests failed:\n    test_asyncio.test_a test_asyncio.test_b\n    test_c\n\n"
               "Total duration: 5 min 3 sec\nResult: FAILURE\n")
        self.assertEqual(compare_mod.failures(out), {"test_asyncio.test_a", "test_asyncio.test_b", "test_c"})

    def test_same_failures_are_the_same(self):
        same, _, calls = self.judge({(False, ("test_asyncio",)): [{"test_x"}], (True, ("test_asyncio",)): [{"test_x"}]})
        self.assertTrue(same)
        self.assertEqual(len(calls), 2)

    def test_a_failure_that_does_not_come_back_is_not_a_difference(self):
        same, _, calls = self.judge({
            (False, ("test_asyncio",)): [set()],
            (True, ("test_asyncio",)): [{"test_a"}],
            (False, ("test_a",)): [set()],
            (True, ("test_a",)): [set()],
        })
        self.assertTrue(same)
        self.assertEqual(calls[2:], [(False, ("test_a",)), (True, ("test_a",))])

    def test_a_difference_that_stays_fails_and_is_named(self):
        same, message, calls = self.judge({
            (False, ("test_asyncio",)): [set()],
            (True, ("test_asyncio",)): [{"test_a"}],
            (False, ("test_a",)): [set(), set()],
            (True, ("test_a",)): [{"test_a"}, {"test_a"}],
        })
        self.assertFalse(same)
        self.assertIn("test_a", message)
        self.assertEqual(len(calls), 2 + 2 * compare_mod.RETRIES)

    def test_different_exit_codes_with_the_same_failures_differ(self):
        runs = {(False, ("test_asyncio",)): [set()], (True, ("test_asyncio",)): [set()]}
        saved = compare_mod.run_suite
        compare_mod.run_suite = lambda python, traced, tests=("test_asyncio",): (
            (2 if traced else 0), summary(runs[(traced, tuple(tests))].pop(0)))
        try:
            same, message = compare_mod.compare("python3", log=lambda text: None)
        finally:
            compare_mod.run_suite = saved
        self.assertFalse(same)
        self.assertIn("exit codes differ", message)


if __name__ == "__main__":
    unittest.main()
