/* main.c - the `dla` binary: daemon and admin CLI. */
#include <stdio.h>

int main(int argc, char **argv);

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("dla: skeleton");
    return 0;
}
