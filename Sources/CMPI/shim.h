// Open MPI's predefined handles are macros over global objects, which Swift cannot import; these
// prefixed inline functions return them.
#include <mpi.h>

static inline MPI_Comm CMPI_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype CMPI_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype CMPI_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype CMPI_byte(void) { return MPI_BYTE; }
static inline MPI_Op CMPI_op_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler CMPI_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *CMPI_in_place(void) { return MPI_IN_PLACE; }
