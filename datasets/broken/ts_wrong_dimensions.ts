@problemName Broken
@timeStamps false
@missing false
@univariate false
@dimensions 3
@equalLength true
@seriesLength 4
@classLabel true Walking Running
@data
0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:Walking
0.5,0.6,0.7,0.8:1.4,1.5,1.6,1.7:Running
