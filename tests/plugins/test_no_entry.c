/* test_no_entry.c - a shared object without dla_plugin_entry (a library that is
 * not a dla plugin). The host must refuse it by name. */
#include "dla_plugin.h"

/* Not exported: nothing in this object is visible. */
int test_no_entry_helper(int x);
int test_no_entry_helper(int x)
{
    return x + 1;
}
