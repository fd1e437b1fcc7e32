# a BasicMotions-like file whose second case has a short channel
@problemName Ragged
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 4
@classLabel true Walking Running
@data
0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:Walking
0.1,0.2,0.3:1.0,1.1,1.2,1.3:Running
