@problemName Uni
@timeStamps false
@univariate true
@equalLength false
@classLabel true 1 2 3
@data
1,2,3:1
4,5:2
6,7,8,9,10:3
