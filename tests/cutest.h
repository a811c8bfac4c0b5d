/*
 * cutest.h - shared main() for the CUnit suites.
 *
 * Each tests/test_<module>.c fills a table of tests and ends with
 *   CUTEST_MAIN("module", tests)
 * The program exits non-zero when any assertion failed (CUnit's runner
 * itself returns 0 either way, so the count is read before cleanup).
 */
#ifndef CUTEST_H
#define CUTEST_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct cutest {
    const char *name;
    void (*fn)(void);
} cutest;

static inline int cutest_run(const char *suite_name, const cutest *tests)
{
    unsigned failures;
    CU_pSuite suite;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite = CU_add_suite(suite_name, NULL, NULL);
    if (!suite) {
        CU_cleanup_registry();
        return 2;
    }
    for (const cutest *t = tests; t->name; t++)
        if (!CU_add_test(suite, t->name, t->fn)) {
            CU_cleanup_registry();
            return 2;
        }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}

#define CUTEST_MAIN(name, table) \
    int main(void) { return cutest_run(name, table); }

/* Directory of the source tree's test data, for tests run from the top. */
#ifndef TEST_TOP
#define TEST_TOP "."
#endif

#endif
