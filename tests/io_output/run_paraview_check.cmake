# Runs the ParaView XDMF check (see CMakeLists.txt): write the sample with
# the test binary at 2 ranks, then read it with pvpython.
# Variables: MPIEXEC, WRITER, PVPYTHON, SCRIPT, DIR.
file(REMOVE_RECURSE ${DIR})
execute_process(COMMAND ${MPIEXEC} --oversubscribe -np 2 ${WRITER} --write-sample ${DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "writing the sample with ${WRITER} failed (${rc})")
endif()
execute_process(COMMAND ${PVPYTHON} ${SCRIPT} ${DIR}/solution.xmf RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SCRIPT} failed (${rc}) on ${DIR}/solution.xmf")
endif()
